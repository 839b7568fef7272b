"""The opening summary (开标一览表) and the document list sealed inside an envelope."""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sealing.errors import InvalidInput

PRICE_PATTERN = re.compile(r"^(0|[1-9][0-9]{0,13})(\.[0-9]{1,2})?$")
NAME_LIMIT = 255


@dataclass(frozen=True)
class OpeningSummary:
    """开标一览表: what is read out at the opening (唱标).

    ``price`` is the bid price in yuan (at most 14 integer digits and 2 decimals),
    ``duration`` the construction or delivery period (工期) as announced, ``quality`` the
    quality commitment (质量), ``project_manager`` the named project manager (项目经理),
    and ``fields`` whatever else the section announces, name → text.
    """

    price: Decimal
    duration: str = ""
    quality: str = ""
    project_manager: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "OpeningSummary":
        """Build and validate a summary from JSON-like data (price as a decimal string)."""
        if not isinstance(data, dict):
            raise InvalidInput("the opening summary must be a JSON object with at least a price")
        known = {"price", "duration", "quality", "project_manager", "fields"}
        extra = {key: value for key, value in data.items() if key not in known}
        fields = dict(data.get("fields") or {})
        fields.update(extra)
        return cls(
            price=price_parse(data.get("price")),
            duration=_text(data.get("duration", ""), "duration"),
            quality=_text(data.get("quality", ""), "quality"),
            project_manager=_text(data.get("project_manager", ""), "project_manager"),
            fields={_text(key, "field name"): _text(value, str(key)) for key, value in fields.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the price as a string with its decimals as given."""
        return {
            "price": format(self.price, "f"),
            "duration": self.duration,
            "quality": self.quality,
            "project_manager": self.project_manager,
            "fields": dict(self.fields),
        }


def price_parse(value: Any) -> Decimal:
    """A bid price from a decimal string such as "1234567.80" (never a float)."""
    if isinstance(value, float):
        raise InvalidInput("give the price as a decimal string such as \"1234567.80\", not a floating-point number")
    text = str(value).strip() if value is not None else ""
    if not PRICE_PATTERN.match(text):
        raise InvalidInput(
            f"the price {text!r} is not a bid price in yuan: write digits with at most two decimals, "
            "such as \"1234567.80\""
        )
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"the price {text!r} is not a number")


def _text(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidInput(f"{name} must be text")
    return str(value)


def document_name_check(name: str) -> str:
    """Refuse document names that are not a plain file name (no folders, no control characters)."""
    normal = unicodedata.normalize("NFC", name)
    bad = (
        not normal
        or normal in {".", ".."}
        or len(normal.encode()) > NAME_LIMIT
        or any(ch in normal for ch in "/\\\x00")
        or any(unicodedata.category(ch).startswith("C") for ch in normal)
        or normal != normal.strip()
    )
    if bad:
        raise InvalidInput(
            f"the document name {name!r} is not a plain file name: use a name without folders, "
            f"control characters or surrounding spaces, at most {NAME_LIMIT} bytes"
        )
    return normal
