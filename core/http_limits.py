"""Requests Twisted refuses before Django sees them get a real answer, not a dropped connection or an empty 400.

Daphne parses HTTP with Twisted's ``HTTPChannel``, a ``LineReceiver`` whose lines may be at most ``MAX_LENGTH``
(16 KiB) long. Past that, ``LineReceiver.lineLengthExceeded`` just closes the connection: a browser shows
"connection reset", an API client an empty reply, and nobody learns why. Daphne has no option for it, so
``answer_refused_requests()`` (called by config/asgi.py, i.e. in the Daphne process before it listens) gives
``HTTPChannel`` a ``lineLengthExceeded`` that answers ``414 URI Too Long`` for the request line and
``431 Request Header Fields Too Large`` for a header, each with a short text in Chinese and English, then closes.
The limit itself stays Twisted's: 16 KiB is far above any address the platform makes.

Twisted also parses a POST's multipart body itself, and on a malformed one (or a header it cannot read) answers
``HTTP/1.1 400 Bad Request`` with no type and no body. ``_respondToBadRequestAndDisconnect`` is given a 400 in the
API's error shape (JSON, ``{"errors": {"detail": [...]}}``) saying what was wrong, in both languages.
"""

import json

from twisted.web import http

URI_TOO_LONG = ("地址过长（超过 16 KB），服务器无法处理。请缩短查询条件后重试。\n"
                "The address is too long (over 16 KB) for the server. Shorten the query and try again.\n")
HEADER_TOO_LARGE = ("请求头过长（超过 16 KB），服务器无法处理。请清除本站的 Cookie 后重试。\n"
                    "A request header is too long (over 16 KB) for the server. Clear this site's cookies and try "
                    "again.\n")


MALFORMED = json.dumps({"errors": {"detail": [
    "请求格式有误（例如 multipart 正文不完整），服务器无法读取。请检查后重新提交。",
    "The request is malformed (e.g. an incomplete multipart body) and could not be read. Check it and send again.",
]}}, ensure_ascii=False) + "\n"


def _answer(channel, status: bytes, text: str, content_type: bytes = b"text/plain; charset=utf-8") -> None:
    body = text.encode("utf-8")
    channel.transport.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type + b"\r\n"
                            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    channel.loseConnection()


def _line_length_exceeded(self, line):
    # Twisted keeps "still waiting for the request line" in a name-mangled flag of HTTPChannel.
    if getattr(self, "_HTTPChannel__first_line", 1):
        _answer(self, b"414 URI Too Long", URI_TOO_LONG)
    else:
        _answer(self, b"431 Request Header Fields Too Large", HEADER_TOO_LARGE)


def _bad_request(self):
    _answer(self, b"400 Bad Request", MALFORMED, b"application/json")


def answer_refused_requests() -> None:
    http.HTTPChannel.lineLengthExceeded = _line_length_exceeded
    http.HTTPChannel._respondToBadRequestAndDisconnect = _bad_request
