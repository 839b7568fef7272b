"""Pluggable notification channels for drawn experts (settings EXPERT_NOTIFY_CHANNEL).

- "log": write the message to the log (the embedded default);
- "email": Django's email backend, to the expert's address;
- "webhook": POST the message as JSON to EXPERT_NOTIFY_WEBHOOK_URL, an SMS or voice gateway.

A channel takes a plain dict and raises on failure, so the Celery task can retry.
"""

import json
import logging
import urllib.request
from collections.abc import Callable

from django.core.mail import send_mail

from . import conf

logger = logging.getLogger(__name__)


def _log(message: dict) -> None:
    logger.info("expert notification to %s: %s", message["to"]["username"], message["text"])


def _email(message: dict) -> None:
    address = message["to"]["email"]
    if not address:
        raise ValueError(f"expert {message['to']['username']} has no e-mail address")
    send_mail(message["subject"], message["text"] + "\n\n" + message["link"], None, [address])


def _webhook(message: dict) -> None:
    url = conf.get("EXPERT_NOTIFY_WEBHOOK_URL")
    if not url.startswith(("http://", "https://")):
        raise ValueError("EXPERT_NOTIFY_WEBHOOK_URL must be an http(s) URL")
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 (scheme checked above)
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=conf.get("EXPERT_NOTIFY_WEBHOOK_TIMEOUT")) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"gateway answered {response.status}")


CHANNELS: dict[str, Callable[[dict], None]] = {"log": _log, "email": _email, "webhook": _webhook}


def send(message: dict) -> str:
    """Send ``message`` through the configured channel; return the channel's name."""
    name = conf.get("EXPERT_NOTIFY_CHANNEL")
    if name not in CHANNELS:
        raise ValueError(f"EXPERT_NOTIFY_CHANNEL must be one of {sorted(CHANNELS)}, not {name!r}")
    CHANNELS[name](message)
    return name
