"""The result documents of a lot as signed PDFs (``core.pdf``): the 网上竞得证明 issued at the close and the
成交确认书 when the winner signs it. Each is made once, stored under ``PROTECTED_ROOT/auction-documents/``, its
SHA-256 kept and announced in the lot's log."""

import hashlib
import os
import secrets
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from audit.services import audit_record
from core import pdf

from . import rights
from .models import Lot, LotDocument
from .rules import confirm_by
from .services.log import event_append, lot_lock

TITLES = {LotDocument.Kind.CERTIFICATE: "网上竞得证明", LotDocument.Kind.CONFIRMATION: "成交确认书"}


def document_content(*, lot: Lot, kind: str) -> dict:
    sale = lot.sale
    winner = lot.leading
    premium = lot.deal_price - lot.starting_price
    content = {
        "kind": kind, "sale": sale.title, "lot": lot.title, "deal_code": sale.deal_code, "lot_number": lot.number,
        "subject": sale.get_subject_display(), "sale_kind": sale.get_kind_display(),
        "method": sale.get_method_display(), "seller": sale.seller.name,
        "host": sale.host.name, "winner": winner.organisation.name, "winner_code": winner.organisation.credit_code,
        "bidder_number": winner.bidder_number, "starting_price": str(lot.starting_price),
        "deal_price": str(lot.deal_price), "premium": str(premium),
        "premium_rate": str((premium / lot.starting_price).quantize(Decimal("0.0001"))),
        "valuation": str(lot.valuation) if lot.valuation is not None else None,
        "reserve_opened_at": pdf.beijing(lot.reserve_opened_at, seconds=True) if lot.reserve_opened_at else "",
        "closed_at": pdf.beijing(lot.closed_at, seconds=True), "confirm_by": pdf.beijing(confirm_by(lot)),
        "bids": lot.quotes.count(),
    }
    if kind == LotDocument.Kind.CONFIRMATION:
        status = rights.deposit_status(winner)
        converted = status.converted if status is not None else Decimal("0")
        content.update({"confirmed_at": pdf.beijing(lot.confirmed_at, seconds=True),
                        "deposit_converted": str(converted), "balance": str(lot.deal_price - converted)})
    return content


def document_pdf(content: dict) -> bytes:
    title = TITLES[content["kind"]]
    pairs = [("统一交易标识码", content["deal_code"]), ("项目", content["sale"]),
             ("宗地/标的", f"{content['lot_number']}. {content['lot']}"), ("交易标的", content["subject"]),
             ("交易方式", f"{content['sale_kind']} · {content['method']}"), ("出让人/转让方", content["seller"]),
             ("组织方", content["host"]), ("竞得人", content["winner"]),
             ("统一社会信用代码", content["winner_code"]), ("竞买号", content["bidder_number"]),
             ("起始价（元）", pdf.money(content["starting_price"])),
             ("成交价（元）", pdf.money(content["deal_price"])),
             ("溢价（元）", f"{pdf.money(content['premium'])}（溢价率 {pdf.percent(content['premium_rate'])}）")]
    if content["valuation"]:
        pairs.append(("评估值（元）", pdf.money(content["valuation"])))
    pairs += [("底价开启时间", content["reserve_opened_at"] or "未设底价"), ("竞价结束时间", content["closed_at"]),
              ("有效报价次数", str(content["bids"]))]
    story = [pdf.title(title), pdf.fields(pairs), pdf.space()]
    if content["kind"] == LotDocument.Kind.CERTIFICATE:
        story.append(pdf.text(f"竞得人应于 {content['confirm_by']} 前签订成交确认书；"
                              "逾期不签订的，竞买保证金不予退还。"))
    else:
        story.append(pdf.fields([("签订时间", content["confirmed_at"]),
                                 ("保证金转作价款（元）", pdf.money(content["deposit_converted"])),
                                 ("尚需支付（元）", pdf.money(content["balance"]))]))
        story.append(pdf.text("双方应按出让公告及本确认书约定签订合同。本确认书由交易平台电子签章。"))
    return pdf.document_build(story, title=title, footer=f"{title} {content['deal_code']}-{content['lot_number']}")


def document_path(lot_id: int, kind: str) -> Path:
    return Path(settings.PROTECTED_ROOT) / "auction-documents" / f"lot-{lot_id}-{kind}.pdf"


def document_generate(*, lot_id: int, kind: str) -> LotDocument:
    """Render, sign, store and announce one result document of a lot (once)."""
    existing = LotDocument.objects.filter(lot_id=lot_id, kind=kind).first()
    if existing is not None:
        return existing
    lot = Lot.objects.select_related("sale__seller", "sale__agency", "leading__organisation").get(pk=lot_id)
    with translation.override("zh-hans"):
        content = document_content(lot=lot, kind=kind)
    data = document_pdf(content)
    sha = hashlib.sha256(data).hexdigest()
    path = document_path(lot_id, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Each signed rendering differs (the PDF signature's time): only the one whose row is created takes the file's
    # place; a rendering made at the same time by another process is discarded under the lock.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    with transaction.atomic():
        lot = lot_lock(lot_id=lot_id)
        existing = LotDocument.objects.filter(lot_id=lot_id, kind=kind).first()
        if existing is not None:
            tmp.unlink(missing_ok=True)
            return existing
        tmp.replace(path)
        document = LotDocument.objects.create(lot=lot, kind=kind, content=content, storage_path=str(path),
                                              sha256=sha, created_at=timezone.now())
        event_append(lot=lot, kind="document_published", payload={
            "document": kind, "sha256": sha, "url": f"/auctions/lots/{lot_id}/{kind}.pdf"})
        audit_record(action="auctions.document.publish", obj=document, payload={"kind": kind, "sha256": sha})
    return document
