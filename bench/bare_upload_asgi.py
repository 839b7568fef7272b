"""The deadline rush's baseline: a bare ASGI app that only writes uploaded chunks to disk (bench/deadline_rush.py).

Served by the same Daphne, on the same machine, in the same run. It speaks just enough of the platform's
resumable protocol for the same client to drive it: ``POST /u/`` opens a file, ``PUT /u/<id>/?offset=N`` writes
the body at N (fsynced, as the platform does), ``POST /u/<id>/complete/`` answers. No database, no
authentication, no verification, no receipt: what is left is the cost of moving the bytes to disk.
"""

import json
import os
import uuid
from pathlib import Path
from urllib.parse import parse_qs

FOLDER = Path(os.environ.get("BARE_UPLOAD_DIR", "/tmp/bare-upload"))


async def _body(receive):
    while True:
        message = await receive()
        if message.get("body"):
            yield message["body"]
        if not message.get("more_body"):
            return


async def _answer(send, status: int, data: dict) -> None:
    body = json.dumps(data).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def application(scope, receive, send):
    if scope["type"] != "http":
        return
    parts = [p for p in scope["path"].split("/") if p]
    FOLDER.mkdir(parents=True, exist_ok=True)
    if scope["method"] == "POST" and parts == ["u"]:
        async for _chunk in _body(receive):
            pass
        name = uuid.uuid4().hex
        (FOLDER / name).touch()
        return await _answer(send, 201, {"id": name, "offset": 0})
    if scope["method"] == "PUT" and len(parts) == 2:
        offset = int(parse_qs(scope["query_string"].decode()).get("offset", ["0"])[0])
        with open(FOLDER / parts[1], "r+b") as out:
            out.seek(offset)
            async for chunk in _body(receive):
                out.write(chunk)
                offset += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        return await _answer(send, 200, {"offset": offset})
    if scope["method"] == "POST" and len(parts) == 3 and parts[2] == "complete":
        async for _chunk in _body(receive):
            pass
        size = (FOLDER / parts[1]).stat().st_size
        return await _answer(send, 201, {"size": size})
    return await _answer(send, 404, {"detail": "no such address"})
