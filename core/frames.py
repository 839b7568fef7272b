"""Websocket frames encoded once, the server time filled in as each leaves (opening room, auction hall)."""

import json

from django.core.exceptions import ValidationError
from django.utils import timezone

_MARK = "@@server_time@@"


def now_json() -> str:
    return json.dumps(timezone.now().isoformat())


class Encoded:
    """A message encoded once; its time member (``server_time`` unless told) is filled in at each send.

    Snapshots carry ``server_time`` (clients set their clock by it); live event frames carry ``sent_at``, the
    moment they leave after their transaction committed."""

    def __init__(self, message: dict, *, stamp: str = "server_time"):
        text = json.dumps({**message, stamp: _MARK}, ensure_ascii=False)
        self.head, self.tail = text.split(json.dumps(_MARK), 1)

    def text(self, now: str) -> str:
        return self.head + now + self.tail


def refusal_messages(error: Exception) -> dict[str, list[str]]:
    """A refused command's reasons by field (``__all__`` when no field is to blame), as an ack frame carries them."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
        return {"__all__": [str(m) for m in error.messages]}
    return {"__all__": [str(error)]}
