"""The resumable upload's chunks go from Daphne straight into the upload's file (the deadline rush, issue 13).

``PUT /api/trading/uploads/<id>/?offset=N`` carries up to 8 MiB, and at a deadline hundreds come at once. Through
Django each one cost about twice the CPU of the bytes themselves (bench/RESULTS.md "Deadline rush"): Django copies
the whole body into a spooled temporary file on the event loop before any view runs, then the request crosses
between the loop and a worker thread four times on its way through the middleware and DRF, with half a dozen
queries. ``UploadChunks`` (config/asgi.py puts it in front of Django) answers these PUTs itself when they carry an
API token, as the bidder tool sends them:

1. one call on a worker thread authenticates the token (DRF's ``TokenAuthentication``), counts the request against
   the same throttles as the API view, and makes the same checks (``uploads.upload_append_start``: the owner, the
   upload still open, the deadline, the offset, the size), which also takes the upload file's lock;
2. the body's messages are written to the file as Daphne hands them over, with no copy in between; bytes past the
   declared size or the per-request limit are refused and cut back;
3. the fsync runs on a worker thread, and the answer is the upload's status (as ``GET`` gives it), through the
   response middleware every API answer passes (security headers, CSP, permissions policy, language).

A refusal has the API's shape and status (401, 403, 404, 400, 409 with the offset to resume from, 429, 503 when the
database has no connection free). Everything else — the bid page's PUTs with its session cookie, every GET, every
other address — goes to Django unchanged, and the API view (``trading.api_sealing.upload_detail``) stays what the
schema documents and what Django's test client calls: both call the same service.
"""

import functools
import io
import logging
import re

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponseBase, JsonResponse
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.throttling import UploadThrottle, with_scope
from core.api import errors_body, throttled_message
from core.error_pages import database_overloaded, overloaded, server_error
from core.middleware import PlatformLanguageMiddleware

from .models import UploadSession
from .services import uploads

logger = logging.getLogger(__name__)

CHUNK_PATH = re.compile(r"^/api/trading/uploads/(?P<id>[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})/$")
# The middleware that only shapes an answer (no request state, no database): what a chunk's answer passes through.
RESPONSE_MIDDLEWARE = {
    "django.middleware.security.SecurityMiddleware", "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware", "core.middleware.PlatformLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
}
# A worker thread of the loop's pool (not the request's own thread: there is none), its connection given back after.
in_thread = functools.partial(database_sync_to_async, thread_sensitive=False)


def _token(scope) -> bool:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            return value[:6].lower() == b"token "
    return False


def handles(scope) -> re.Match | None:
    """A chunk PUT with an API token: the match of its address; None for whatever Django should answer."""
    if scope["type"] != "http" or scope["method"] != "PUT" or not _token(scope):
        return None
    if settings.SECURE_SSL_REDIRECT and scope.get("scheme") != "https":
        return None  # Django's SecurityMiddleware answers with the redirect
    return CHUNK_PATH.match(scope["path"])


class UploadChunks:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        match = handles(scope)
        if match is None:
            return await self.app(scope, receive, send)
        request = ASGIRequest(scope, io.BytesIO())  # headers, query, cookies, address; the body stays in Daphne
        started = await in_thread(_start)(request, match["id"])
        if isinstance(started, HttpResponseBase):
            return await _send(send, started)
        writer = started
        try:
            with translation.override(PlatformLanguageMiddleware._chosen(request)):  # a refusal while writing
                await _take_body(receive, writer)
        except ValidationError as exc:
            writer.abort()
            return await _send(send, await in_thread(_refuse)(request, exc))
        except BaseException:
            writer.abort()
            raise
        if not writer.file.closed:
            await _send(send, await in_thread(_finish)(request, writer, match["id"]))


async def _take_body(receive, writer: uploads.ChunkWriter) -> None:
    """The body's messages into the file as Daphne hands them over; a client that went away leaves nothing."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            writer.abort()
            return
        if message.get("body"):
            writer.write(message["body"])
        if not message.get("more_body"):
            return


def _answering(work):
    """Run ``work(request, …)`` in the request's language; a refusal it raises becomes the API's answer for it."""
    @functools.wraps(work)
    def wrapped(request, *args):
        with translation.override(PlatformLanguageMiddleware._chosen(request)):
            try:
                return work(request, *args)
            except exceptions.APIException as exc:
                throttled = isinstance(exc, exceptions.Throttled)
                headers = {"Retry-After": str(max(1, int(exc.wait or 1)))} if throttled else {}
                if isinstance(exc, exceptions.AuthenticationFailed):
                    headers["WWW-Authenticate"] = "Token"
                detail = throttled_message(exc.wait) if throttled else str(exc.detail)
                return _answer(request, {"detail": detail}, exc.status_code, headers)
            except uploads.OffsetMismatch as exc:
                return _answer(request, {"errors": exc.message_dict, "offset": exc.offset}, 409)
            except ValidationError as exc:
                return _answer(request, errors_body(exc), 400)
            except PermissionDenied as exc:
                return _answer(request, {"detail": str(exc)}, 403)
            except Exception as exc:
                if database_overloaded(exc):
                    return _shaped(request, overloaded(request))
                logger.exception("chunk upload %s", request.path)
                return _shaped(request, server_error(request))

    return wrapped


@_answering
def _start(request, upload_id: str):
    """Who, may they, and where: the writer that takes the body (or the answer that refuses it)."""
    return _writer(request, upload_id)


def _writer(request, upload_id: str) -> uploads.ChunkWriter:
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) != 2:
        raise exceptions.AuthenticationFailed(_("Invalid token header. Give one token, with no spaces in it."))
    user, _token_row = TokenAuthentication().authenticate_credentials(header[1])
    request.user = user
    for throttle_class in with_scope(UploadThrottle):
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            raise exceptions.Throttled(throttle.wait())
    session = UploadSession.objects.filter(pk=upload_id).first()
    if session is None:
        raise exceptions.NotFound(_("There is no upload with this id. Start a new upload for your envelope."))
    try:
        offset = int(request.GET.get("offset", request.headers.get("Upload-Offset")))
    except (TypeError, ValueError):
        raise ValidationError({"offset": _("Give the offset of these bytes (?offset=N).")})
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise ValidationError({"chunk": _("Give the length of these bytes (Content-Length).")})
    return uploads.upload_append_start(session=session, user=user, offset=offset, length=length)


@_answering
def _finish(request, writer: uploads.ChunkWriter, upload_id: str):
    """Fsync the bytes, then answer where the upload stands (as ``GET`` does: it is open, or this had failed)."""
    offset = writer.finish()
    return _answer(request, {"id": upload_id, "size": writer.size, "offset": offset,
                             "state": UploadSession.State.OPEN.value, "bid": None}, 200)


@_answering
def _refuse(request, error: ValidationError):
    raise error


def _answer(request, data: dict, status: int, headers: dict | None = None):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Length"] = str(len(response.content))
    for name, value in (headers or {}).items():
        response[name] = value
    return _shaped(request, response)


def _shaped(request, response):
    """``response`` through the answer-shaping middleware of settings.MIDDLEWARE, in its order."""
    def inner(_request):
        return response

    handler = inner
    for path in reversed(settings.MIDDLEWARE):
        if path in RESPONSE_MIDDLEWARE:
            handler = import_string(path)(handler)
    return handler(request)


async def _send(send, response) -> None:
    headers = [(name.encode("latin-1"), str(value).encode("latin-1")) for name, value in response.items()]
    headers += [(b"set-cookie", c.output(header="").strip().encode("latin-1")) for c in response.cookies.values()]
    body = response.content
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})

