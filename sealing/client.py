"""A small client of the platform's REST API for the bidder tool (standard library only: urllib).

    PlatformClient(server, token).upload(envelope_path, section_id)   resumable upload → the receipt
    PlatformClient(server, token).release(bid_id, content_key)        hand over the content key at the opening
    PlatformClient(server, token).opening_command(opening_id, action)  one opening-room command (sign-in)
    PlatformClient(server, token).hall_bid(lot_id, client_id, amount, signature)   a signed bid in the auction hall

The upload keeps its state in ``<envelope>.upload.json`` (the upload id), so running ``submit``
again after an interruption resumes at the offset the server reports.
"""

import base64
import json
import os
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from sealing.errors import SealingError

CHUNK_SIZE = 4 * 1024 * 1024
INSTALLATION_HEADER = "X-Sunshine-Installation"


def config_dir() -> Path:
    """The bidder tool's folder: $SEALING_CONFIG_DIR, else $XDG_CONFIG_HOME/sunshine-sealing (~/.config/...)."""
    explicit = os.environ.get("SEALING_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "sunshine-sealing"


def installation_id() -> str:
    """A random id of this installation of the tool, made once and kept in its config folder.

    Sent with every request (``X-Sunshine-Installation``); the platform records it with each upload so that a
    regulator can see envelopes of different bidders sent from one installation (TL 40). "" if it cannot be kept.
    """
    path = config_dir() / "installation-id"
    try:
        existing = path.read_text(encoding="ascii").strip()
        if existing:
            return existing
    except (OSError, UnicodeDecodeError):
        pass
    made = str(uuid.uuid4())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(made + "\n", encoding="ascii")
    except OSError:
        return ""
    return made


class PlatformError(SealingError):
    """The platform refused a request; the message is the platform's (it says what to do)."""

    def __init__(self, message: str, *, status: int = 0, data: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.data = data or {}


BUSY_RETRIES = 24  # a 503 "busy" answer is retried this many times, each after its Retry-After (at most 30 s)


def _retry_after_seconds(value: str | None) -> float:
    try:
        return min(max(float(value or 5), 0.5), 30.0)
    except ValueError:
        return 5.0


def _problem(data: Any) -> str:
    if isinstance(data, dict):
        errors = data.get("errors", data)
        if isinstance(errors, dict):
            parts = []
            for value in errors.values():
                parts.extend(value if isinstance(value, list) else [value])
            return " ".join(str(p) for p in parts)
    return str(data)


class PlatformClient:
    def __init__(self, server: str, token: str | None = None, *, timeout: float = 60.0) -> None:
        if not server.startswith(("http://", "https://")):
            raise PlatformError(f"the server address {server!r} must start with https:// (or http:// for a test)")
        self.server = server.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, *, body: bytes | None = None, json_body: Any = None,
                content_type: str | None = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        installation = installation_id()
        if installation:
            headers[INSTALLATION_HEADER] = installation
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.server + path, data=body, method=method, headers=headers)  # noqa: S310
        for attempt in range(BUSY_RETRIES + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - user's server
                    raw, status, retry_after = response.read(), response.status, None
            except urllib.error.HTTPError as exc:
                raw, status, retry_after = exc.read(), exc.code, exc.headers.get("Retry-After")
            # 503 + Retry-After: the platform is busy for a moment (a deadline rush) and saved nothing; wait, resend.
            if status != 503 or attempt == BUSY_RETRIES:
                break
            time.sleep(_retry_after_seconds(retry_after))
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = raw
        return status, data

    def _ok(self, method: str, path: str, **kwargs: Any) -> Any:
        status, data = self.request(method, path, **kwargs)
        if status >= 400:
            raise PlatformError(_problem(data) or f"the platform answered {status}", status=status,
                                data=data if isinstance(data, dict) else None)
        return data

    def token_obtain(self, username: str, password: str) -> str:
        return self._ok("POST", "/api/trading/token/", json_body={"username": username, "password": password})["token"]

    def platform_key_pem(self) -> bytes:
        request = urllib.request.Request(self.server + "/api/trading/platform-key.pem")  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return response.read()

    def opening_key_pem(self, project_id: int) -> bytes:
        url = f"{self.server}/api/trading/projects/{project_id}/opening-key.pem"
        request = urllib.request.Request(url)  # noqa: S310 - http(s) only, checked in __init__
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return response.read()

    def upload(self, envelope: Path, section_id: int, *, chunk_size: int = CHUNK_SIZE, retries: int = 5,
               on_progress=None) -> dict:
        """Upload ``envelope`` resumably and complete it; returns the platform's answer with the signed receipt."""
        state_path = envelope.with_name(envelope.name + ".upload.json")
        size = envelope.stat().st_size
        upload_id = None
        if state_path.exists():
            state = json.loads(state_path.read_text(encoding="utf-8"))
            if state.get("size") == size and state.get("section") == section_id:
                upload_id = state["id"]
        if upload_id is None:
            created = self._ok("POST", f"/api/trading/sections/{section_id}/uploads/",
                               json_body={"size": size, "file_name": envelope.name})
            upload_id = created["id"]
            state_path.write_text(json.dumps({"id": upload_id, "size": size, "section": section_id}), encoding="utf-8")
        url = f"/api/trading/uploads/{upload_id}/"
        status = self._ok("GET", url)
        if status["state"] == "complete":
            return self._finish(url, state_path)
        offset, failures = status["offset"], 0
        with envelope.open("rb") as stream:
            while offset < size:
                stream.seek(offset)
                chunk = stream.read(chunk_size)
                try:
                    code, data = self.request("PUT", f"{url}?offset={offset}", body=chunk,
                                              content_type="application/octet-stream")
                except OSError:
                    failures += 1
                    if failures > retries:
                        raise
                    time.sleep(min(2**failures * 0.2, 5))
                    offset = self._ok("GET", url)["offset"]
                    continue
                if code in (200, 409):
                    offset = data["offset"]
                    if on_progress:
                        on_progress(offset, size)
                else:
                    raise PlatformError(_problem(data), status=code, data=data if isinstance(data, dict) else None)
        return self._finish(url, state_path)

    def _finish(self, url: str, state_path: Path) -> dict:
        done = self._ok("POST", f"{url}complete/")
        state_path.unlink(missing_ok=True)
        return done

    def release(self, bid_id: int, content_key: bytes) -> dict:
        return self._ok("POST", f"/api/trading/bids/{bid_id}/release/",
                        json_body={"content_key": base64.b64encode(content_key).decode("ascii")})

    def opening_command(self, opening_id: int, action: str, **args: Any) -> dict:
        """One command of the opening room (as its page sends them), applied once: the id is new each time."""
        return self._ok("POST", f"/api/opening/{opening_id}/commands/",
                        json_body={"id": uuid.uuid4().hex, "action": action, **args})

    def hall_bid(self, lot_id: int, client_id: str, amount: str, signature: bytes) -> dict:
        return self._ok("POST", f"/api/auctions/lots/{lot_id}/bids/", json_body={
            "id": client_id, "amount": amount, "signature": base64.b64encode(signature).decode("ascii")})
