"""The opening record (开标记录): a PDF with the table, the timeline, objections and answers and the bids not
opened, signed by the platform key; its SHA-256 is shown on the portal."""

import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from audit.services import audit_record
from core import pdf
from trading.summary import summary_labels, summary_text

from .machine import event_append, session_lock
from .models import OpeningRecord, OpeningSession
from .services import _opening_table, not_opened
from .signing import record_sign

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
SYSTEM_ACTOR = "交易平台"


def _local(value) -> str:
    return pdf.beijing(value, seconds=True)


def _actor_names(labels: set[str]) -> dict[str, str]:
    """Who acted, as the record names them: the organisation (and the person), never a log-in name."""
    names = {}
    for user in get_user_model().objects.filter(username__in=labels).select_related("organisation"):
        person = user.display_name
        names[user.username] = (f"{user.organisation.name} {person}".strip() if user.organisation
                                else person or str(user.get_role_display()))
    return names


def record_content(*, session: OpeningSession) -> dict:
    """What the record shows, as data: the PDF is drawn from it and runs can be compared by it."""
    section = session.section
    project = section.project
    entries = session.bidders.select_related("organisation").order_by("bid__submitted_at", "pk")
    events = list(session.events.exclude(kind="record_published").order_by("seq"))
    actors = _actor_names({e.actor_label for e in events})
    return {
        "project": project.title, "deal_code": project.deal_code, "section": section.full_code,
        "section_name": section.name, "tenderer": project.tenderer.name,
        "agency": project.agency.name if project.agency else "",
        "opens_at": _local(session.opens_at), "state": session.state,
        "base_type": str(section.get_base_type_display()),
        "base_amount": "" if section.base_amount is None else str(section.base_amount),
        "table": _opening_table(session),
        "not_opened": not_opened(session),
        "bidders": [{"bidder": e.organisation.name, "signed_in_at": _local(e.signed_in_at),
                     "key_released_at": _local(e.key_released_at), "decrypted_at": _local(e.decrypted_at),
                     "decryption": e.decryption, "confirmed_at": _local(e.confirmed_at)} for e in entries],
        "objections": [{"bidder": o.bidder.organisation.name, "text": o.text, "raised_at": _local(o.raised_at),
                        "answer": o.answer, "answered_at": _local(o.answered_at)}
                       for o in session.objections.select_related("bidder__organisation").order_by("pk")],
        "timeline": [{"seq": e.seq, "kind": e.kind, "at": _local(e.at), "actor": e.actor_label,
                      "actor_name": actors.get(e.actor_label, SYSTEM_ACTOR)} for e in events],
        "failure_reason": session.failure_reason,
    }


def _opening_columns(table: list[dict]) -> tuple[list[pdf.Column], list[list[str]]]:
    """The 开标一览表 with a column for each summary field some bid filled: the known ones under their labels, the
    section's own items under their names (up to three; more share one column 其他)."""
    labels = summary_labels()
    used = [key for key in ("duration", "quality", "project_manager")
            if any(str(row["summary"].get(key) or "").strip() for row in table)]
    own: list[str] = []
    for row in table:
        for name, value in (row["summary"].get("fields") or {}).items():
            if str(value).strip() and name not in own:
                own.append(name)
    shared = len(own) > 3
    columns = [pdf.Column("序号", kind=pdf.FIGURE), pdf.Column("投标人", weight=2),
               pdf.Column("统一社会信用代码", kind=pdf.FIGURE, align="left"),
               pdf.Column(labels["price"], kind=pdf.FIGURE), *[pdf.Column(labels[key]) for key in used],
               *([pdf.Column("其他", weight=2)] if shared else [pdf.Column(name) for name in own])]
    bonds = any("bond" in row for row in table)  # the section asks for a bid bond: each bid's, marked when missing
    if bonds:
        columns.append(pdf.Column("投标保证金", weight=2))
    rows = []
    for row in table:
        s = row["summary"]
        fields = s.get("fields") or {}
        cells = [row["no"], row["bidder"], row["credit_code"], pdf.money(s.get("price")),
                 *[s.get(key) or "—" for key in used]]
        if shared:
            cells.append(summary_text({"fields": fields}) or "—")
        else:
            cells += [fields.get(name) or "—" for name in own]
        if bonds:
            bond = row.get("bond") or {}
            cells.append(bond.get("label", "—"))
        rows.append(cells)
    return columns, rows


def record_pdf(content: dict) -> bytes:
    """Draw the record with the platform's document helpers (``core.pdf``), in Chinese whoever asks."""
    with translation.override("zh-hans"):
        columns, rows = _opening_columns(content["table"])
    base = f"{pdf.money(content['base_amount'])} 元" if content["base_amount"] else "—"
    story = [pdf.title("开标记录"),
             pdf.fields([("项目", f"{content['project']}（统一交易标识码 {content['deal_code']}）"),
                         ("标段", f"{content['section']} {content['section_name']}"),
                         ("招标人", content["tenderer"]), ("代理机构", content["agency"] or "—"),
                         ("开标时间", f"{content['opens_at']}（北京时间）"), (content["base_type"], base)])]
    if content["failure_reason"]:
        story.append(pdf.fields([("结果", content["failure_reason"])]))
    story += [pdf.heading("开标一览表"), pdf.table(columns, rows) if rows else pdf.text("无")]
    story.append(pdf.heading("未开启的投标文件"))
    if content["not_opened"]:
        story.append(pdf.table([pdf.Column("投标人", weight=2), pdf.Column("处理"), pdf.Column("原因", weight=3)],
                               [[r["bidder"], r["state_label"], r["reason"]] for r in content["not_opened"]]))
    else:
        story.append(pdf.text("无"))
    story.append(pdf.heading("投标人签到与解密"))
    time = {"kind": pdf.FIGURE, "align": "left"}
    story.append(pdf.table(
        [pdf.Column("投标人"), pdf.Column("签到", **time), pdf.Column("释放密钥", **time),
         pdf.Column("解密完成", **time), pdf.Column("确认", **time)],
        [[b["bidder"], b["signed_in_at"] or "—", b["key_released_at"] or "—", b["decrypted_at"] or "—",
          b["confirmed_at"] or "—"] for b in content["bidders"]]))
    story.append(pdf.heading("异议与答复"))
    if content["objections"]:
        story.append(pdf.table([pdf.Column("投标人"), pdf.Column("异议", weight=2), pdf.Column("答复", weight=2)], [
            [o["bidder"], f"{o['raised_at']}\n{o['text']}", f"{o['answered_at']}\n{o['answer']}".strip()]
            for o in content["objections"]]))
    else:
        story.append(pdf.text("无"))
    story.append(pdf.heading("开标过程"))
    story.append(pdf.table(
        [pdf.Column("序号", kind=pdf.FIGURE), pdf.Column("时间（北京时间）", **time), pdf.Column("事件", weight=2),
         pdf.Column("操作人", weight=2)],
        [[e["seq"], e["at"], KIND_LABELS.get(e["kind"], e["kind"]), e.get("actor_name") or e["actor"]]
         for e in content["timeline"]]))
    return pdf.document_build(story, title="开标记录", footer=f"开标记录 {content['section']}")


def record_path(session_id: int) -> Path:
    return Path(settings.PROTECTED_ROOT) / "opening-records" / f"opening-{session_id}.pdf"


def record_generate(*, session_id: int) -> OpeningRecord:
    """Render, sign, store and announce the record of a finished session (once)."""
    existing = OpeningRecord.objects.filter(session_id=session_id).first()
    if existing is not None:
        return existing
    session = OpeningSession.objects.select_related("section__project__tenderer", "section__project__agency").get(
        pk=session_id)
    with translation.override("zh-hans"):  # an official record: Chinese whoever's request made it
        content = record_content(session=session)
    document = record_pdf(content)
    sha = hashlib.sha256(document).hexdigest()
    signature, fingerprint = record_sign(sha256_hex=sha)
    path = record_path(session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Each signed rendering differs (the PDF signature's time), so only the rendering whose record is created may
    # take the file's place: another process that rendered at the same time discards its own under the lock.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(document)
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        existing = OpeningRecord.objects.filter(session_id=session_id).first()
        if existing is not None:
            tmp.unlink(missing_ok=True)
            return existing
        tmp.replace(path)
        record = OpeningRecord.objects.create(session=session, content=content, storage_path=str(path), sha256=sha,
                                              signature=signature, key_fingerprint=fingerprint,
                                              created_at=timezone.now())
        event_append(session=session, kind="record_published", payload={
            "sha256": sha, "key_fingerprint": fingerprint, "url": f"/opening/{session_id}/record.pdf"})
        audit_record(action="bidding_room.record.publish", obj=record, payload={"sha256": sha, "key": fingerprint},
                     checkpoint=True)
    return record

