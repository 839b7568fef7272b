"""The bid receipt (投标文件接收回执) as people keep it: the page's facts, the signed JSON to download, a PDF to print.

The signed JSON is the receipt itself (``sealing.receipt_sign`` over the fields below, by the platform key): anyone
checks it offline against the published platform key (``python -m sealing verify-receipt``, on the bidder tool's
help page). The PDF prints the same facts and the signature for the file; it is not itself a second signature.
"""

import json
from typing import NamedTuple

from django.utils.translation import gettext as _

from core import pdf

from .models import Bid


class Fact(NamedTuple):
    label: str
    value: str
    code: bool = False  # a hash or code: printed in a fixed-width face, may wrap anywhere


def receipt_facts(bid: Bid) -> list[Fact]:
    """What the receipt says, in the order the page and the PDF print it."""
    section = bid.section
    project = section.project
    return [
        Fact(_("Receipt number"), str(bid.receipt_no), code=True),
        Fact(_("Project"), project.title),
        Fact(_("Deal code"), project.deal_code),
        Fact(_("Section"), f"{section.code} {section.name}".strip()),
        Fact(_("Bidder"), bid.organisation.name),
        Fact(_("Unified social credit code"), bid.organisation.credit_code),
        Fact(_("Received at (Beijing time, server clock)"), pdf.beijing(bid.submitted_at, seconds=True)),
        Fact(_("Size of the sealed file"), _("%(size)s bytes") % {"size": f"{bid.size:,}"}),
        Fact(_("SHA-256 of the sealed file"), bid.sha256, code=True),
        Fact(_("State"), str(bid.get_state_display())),
    ]


def receipt_json(bid: Bid) -> bytes:
    """The signed receipt as a file (any layout verifies: the signature covers its canonical form)."""
    return (json.dumps(bid.receipt, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def receipt_filename(bid: Bid, extension: str) -> str:
    return f"receipt-{bid.receipt_no}.{extension}"


def receipt_pdf(bid: Bid) -> bytes:
    signed = bid.receipt or {}
    story = [pdf.title(_("Bid receipt")),
             pdf.table([pdf.Column(_("Item")), pdf.Column(_("Content"), kind=pdf.CODE, weight=3)],
                       [(fact.label, fact.value) for fact in receipt_facts(bid)])]
    if signed:
        story += [pdf.heading(_("Platform signature")),
                  pdf.table([pdf.Column(_("Item")), pdf.Column(_("Content"), kind=pdf.CODE, weight=3)], [
                      (_("Signature algorithm"), signed.get("alg", "")),
                      (_("Platform key fingerprint"), signed.get("key_id", "")),
                      (_("Signature"), signed.get("signature", ""))]),
                  pdf.space(2),
                  pdf.small(_("The platform signed this receipt with its key. The signed receipt file (JSON) "
                              "downloaded beside this PDF can be checked by anyone against the platform's "
                              "published public key, without the platform."))]
    return pdf.document_build(story, title=_("Bid receipt"), footer=_("Bid receipt %(number)s") % {
        "number": bid.receipt_no})
