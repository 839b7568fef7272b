"""The opening record (开标记录): a PDF with the table, the timeline, objections and answers and the bids not
opened, signed by the platform key; its SHA-256 is shown on the portal."""

import hashlib
import io
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from audit.services import audit_record

from .machine import event_append, session_lock
from .models import OpeningRecord, OpeningSession
from .services import _opening_table, not_opened
from .signing import record_sign

FONT = "STSong-Light"
# Event kinds as the record names them.
KIND_LABELS = {
    "opened": "开标室开启，投标人签到",
    "failed": "流标",
    "decryption_started": "主持人发出解密指令",
    "published": "唱标：公布开标一览表",
    "confirmation_opened": "确认与异议开始",
    "objection_raised": "投标人提出异议",
    "objection_answered": "主持人答复异议",
    "closed": "开标结束",
    "record_published": "开标记录发布",
}


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def record_content(*, session: OpeningSession) -> dict:
    """What the record shows, as data: the PDF is drawn from it and runs can be compared by it."""
    section = session.section
    project = section.project
    entries = session.bidders.select_related("organisation").order_by("bid__submitted_at", "pk")
    return {
        "project": project.title, "deal_code": project.deal_code, "section": section.full_code,
        "section_name": section.name, "tenderer": project.tenderer.name,
        "agency": project.agency.name if project.agency else "",
        "opens_at": _local(session.opens_at), "state": session.state,
        "base_type": str(section.get_base_type_display()), "base_amount": str(section.base_amount),
        "table": _opening_table(session),
        "not_opened": not_opened(session),
        "bidders": [{"bidder": e.organisation.name, "signed_in_at": _local(e.signed_in_at),
                     "key_released_at": _local(e.key_released_at), "decrypted_at": _local(e.decrypted_at),
                     "decryption": e.decryption, "confirmed_at": _local(e.confirmed_at)} for e in entries],
        "objections": [{"bidder": o.bidder.organisation.name, "text": o.text, "raised_at": _local(o.raised_at),
                        "answer": o.answer, "answered_at": _local(o.answered_at)}
                       for o in session.objections.select_related("bidder__organisation").order_by("pk")],
        "timeline": [{"seq": e.seq, "kind": e.kind, "at": _local(e.at), "actor": e.actor_label}
                     for e in session.events.exclude(kind="record_published").order_by("seq")],
        "failure_reason": session.failure_reason,
    }


def record_pdf(content: dict) -> bytes:
    """Draw the record (Chinese text in reportlab's built-in CID font STSong-Light)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=12, leading=18, spaceBefore=8)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)

    def p(text) -> Paragraph:
        return Paragraph(str(text).replace("&", "&amp;").replace("<", "&lt;"), body)

    def table(rows: list[list], widths: list[float]) -> Table:
        t = Table([[p(cell) for cell in row] for row in rows], colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    story = [Paragraph("开标记录", title), Spacer(1, 4 * mm),
             p(f"项目：{content['project']}（统一交易标识码 {content['deal_code']}）"),
             p(f"标段：{content['section']} {content['section_name']}"),
             p(f"招标人：{content['tenderer']}　代理机构：{content['agency'] or '—'}"),
             p(f"开标时间：{content['opens_at']}　{content['base_type']}：{content['base_amount']} 元")]
    if content["failure_reason"]:
        story.append(p(f"结果：{content['failure_reason']}"))
    story.append(Paragraph("开标一览表", heading))
    rows = [["序号", "投标人", "统一社会信用代码", "投标报价（元）", "工期", "质量", "项目经理", "其他"]]
    for row in content["table"]:
        s = row["summary"]
        rows.append([row["no"], row["bidder"], row["credit_code"], s.get("price", ""), s.get("duration", ""),
                     s.get("quality", ""), s.get("project_manager", ""),
                     "；".join(f"{k}：{v}" for k, v in (s.get("fields") or {}).items())])
    story.append(table(rows, [10, 38, 32, 24, 16, 16, 18, 26]))
    story.append(Paragraph("未开启的投标文件", heading))
    if content["not_opened"]:
        story.append(table([["投标人", "处理", "原因"]] + [[r["bidder"], r["state_label"], r["reason"]]
                                                         for r in content["not_opened"]], [45, 55, 80]))
    else:
        story.append(p("无"))
    story.append(Paragraph("投标人签到与解密", heading))
    story.append(table([["投标人", "签到", "释放密钥", "解密完成", "确认"]] + [
        [b["bidder"], b["signed_in_at"], b["key_released_at"], b["decrypted_at"], b["confirmed_at"]]
        for b in content["bidders"]], [50, 32, 32, 32, 32]))
    story.append(Paragraph("异议与答复", heading))
    if content["objections"]:
        story.append(table([["投标人", "异议", "答复"]] + [
            [o["bidder"], f"{o['raised_at']} {o['text']}", f"{o['answered_at']} {o['answer']}"]
            for o in content["objections"]], [40, 70, 70]))
    else:
        story.append(p("无"))
    story.append(Paragraph("开标过程", heading))
    story.append(table([["序号", "时间", "事件", "操作人"]] + [
        [e["seq"], e["at"], KIND_LABELS.get(e["kind"], e["kind"]), e["actor"]] for e in content["timeline"]],
        [14, 40, 90, 36]))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title="开标记录", leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm, invariant=1)
    doc.build(story)
    return buffer.getvalue()


def record_path(session_id: int) -> Path:
    return Path(settings.PROTECTED_ROOT) / "opening-records" / f"opening-{session_id}.pdf"


def record_generate(*, session_id: int) -> OpeningRecord:
    """Render, sign, store and announce the record of a finished session (once)."""
    existing = OpeningRecord.objects.filter(session_id=session_id).first()
    if existing is not None:
        return existing
    session = OpeningSession.objects.select_related("section__project__tenderer", "section__project__agency").get(
        pk=session_id)
    content = record_content(session=session)
    pdf = record_pdf(content)
    sha = hashlib.sha256(pdf).hexdigest()
    signature, fingerprint = record_sign(sha256_hex=sha)
    path = record_path(session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        existing = OpeningRecord.objects.filter(session_id=session_id).first()
        if existing is not None:
            return existing
        record = OpeningRecord.objects.create(session=session, content=content, storage_path=str(path), sha256=sha,
                                              signature=signature, key_fingerprint=fingerprint,
                                              created_at=timezone.now())
        event_append(session=session, kind="record_published", payload={
            "sha256": sha, "key_fingerprint": fingerprint, "url": f"/opening/{session_id}/record.pdf"})
        audit_record(action="bidding_room.record.publish", obj=record, payload={"sha256": sha,
                                                                                "key": fingerprint})
    return record

