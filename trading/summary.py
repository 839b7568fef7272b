"""The opening summary (开标一览表) as people read it: each field under its name, wherever it is shown.

The summary sealed in a bid (``sealing.summary.OpeningSummary``) keeps its fields under keys (``price``,
``duration``, ``quality``, ``project_manager``) and the section's own items in ``fields`` (name → text); the opening
room, the evaluation room, the evaluation report and the opening record show them with these labels.
"""

from django.utils.translation import gettext as _

KNOWN = ("price", "duration", "quality", "project_manager")


def summary_labels() -> dict[str, str]:
    return {"price": _("Price (yuan)"), "duration": _("Duration"), "quality": _("Quality"),
            "project_manager": _("Project manager")}


def summary_items(summary: dict | None, *, price: bool = False) -> list[tuple[str, str]]:
    """The summary's fields as (label, text), the section's own items after the known ones; empty fields left
    out, the price only if asked (it usually has its own column)."""
    summary = summary or {}
    labels = summary_labels()
    items = [(labels[key], str(summary[key])) for key in KNOWN
             if (price or key != "price") and str(summary.get(key) or "").strip()]
    own = summary.get("fields") or {}
    if isinstance(own, dict):
        items += [(str(name), str(text)) for name, text in own.items() if str(text).strip()]
    items += [(str(key), str(value)) for key, value in summary.items()
              if key not in (*KNOWN, "fields") and str(value).strip()]
    return items


def summary_text(summary: dict | None, *, price: bool = False, separator: str = "；") -> str:
    """The summary's fields on one line: ``工期：365日历天；质量：合格``."""
    return separator.join(f"{label}：{text}" for label, text in summary_items(summary, price=price))
