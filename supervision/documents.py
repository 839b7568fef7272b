"""The decision document (处理决定书) of a measure: a PDF signed by the platform key, and inside the PDF (PAdES,
``core.pdf_signing``) by the platform's certificate.

Signed as the opening records are (``bidding_room.signing``): the signature covers a context string and the PDF's
SHA-256, so anyone holding the platform's published public key checks it offline with ``sealing.signature_verify``.
"""

import base64
import hashlib
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation

import sealing
from core import pdf

from .models import Measure

CONTEXT = b"SUNSHINE supervision decision v1\x00"
CENTRE = replace(pdf.BODY, align="center")


def decision_sign(*, sha256_hex: str) -> tuple[str, str]:
    from core.platform_key import platform_key

    key = platform_key()
    signature = sealing.signature_sign(key, CONTEXT + bytes.fromhex(sha256_hex))
    return base64.b64encode(signature).decode("ascii"), key.public_key.fingerprint


def decision_verify(*, pdf: bytes, signature_b64: str) -> bool:
    from core.platform_key import platform_key

    return sealing.signature_verify(platform_key().public_key, CONTEXT + hashlib.sha256(pdf).digest(),
                                    base64.b64decode(signature_b64))


def _detail(measure: Measure) -> list[str]:
    kind = Measure.Kind
    if measure.kind == kind.WARNING_TALK:
        people = "、".join(f"{p.get('name', '')}（{p.get('position', '')}）" for p in measure.talked_to)
        return [f"约谈日期：{measure.talk_on}", f"约谈对象：{people}"]
    if measure.kind == kind.FINE:
        return [f"罚款金额：人民币 {measure.amount:,.2f} 元", f"缴款期限：{measure.payment_due} 前"]
    if measure.kind == kind.EXPERT_SUSPENSION:
        return [f"暂停评标资格至 {measure.ends_on}（含）"]
    if measure.kind == kind.EXPERT_DISQUALIFICATION:
        return ["取消担任评标委员会成员的资格"]
    if measure.kind == kind.AWARD_VOIDED:
        award = measure.award
        return [f"中标无效：{award.of_section.full_code} {award.organisation.name} {award.amount:,.2f} 元"]
    return [f"移送：{measure.referred_to}"]


def decision_pdf(measure: Measure) -> bytes:
    """Draw the decision with the platform's document helpers (``core.pdf``: the CJK font embedded, figures never
    split across lines) and sign it inside the PDF. An official document: in Chinese, whoever's click made it."""
    with translation.override("zh-hans"):
        return _decision_pdf(measure)


def _decision_pdf(measure: Measure) -> bytes:
    case = measure.case
    project = case.project
    subject = measure.organisation.name if measure.organisation_id else str(measure.person)
    code = f"（统一社会信用代码 {measure.organisation.credit_code}）" if measure.organisation_id else ""
    story = [pdf.title("处理决定书"), pdf.text(measure.number, CENTRE), pdf.space(6),
             pdf.text(f"当事人：{subject}{code}"), pdf.text(f"案件：{case.number} {case.title}")]
    if project is not None:
        story.append(pdf.text(f"项目：{project.title}（统一交易标识码 {project.deal_code or '—'}）"))
    story += [pdf.text(f"处理措施：{measure.get_kind_display()}"), *[pdf.text(line) for line in _detail(measure)],
              pdf.text("查明的事实与理由："), pdf.text(measure.findings), pdf.text(f"法律依据：{measure.legal_basis}")]
    if measure.behaviour_code:
        story.append(pdf.text("本决定记入当事人信用记录。"))
    story += [pdf.space(8), pdf.text(case.regulator.name if case.regulator_id else "行政监督部门"),
              pdf.text(timezone.localtime(measure.issued_at).strftime("%Y年%m月%d日"))]
    return pdf.document_build(story, title=f"处理决定书 {measure.number}")


def decision_path(measure: Measure) -> Path:
    return Path(settings.PROTECTED_ROOT) / "decisions" / f"decision-{measure.pk}.pdf"


def decision_store(measure: Measure) -> None:
    """Render, sign and store the decision of ``measure`` (fills its pdf_* fields; the caller saves)."""
    pdf = decision_pdf(measure)
    sha = hashlib.sha256(pdf).hexdigest()
    path = decision_path(measure)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    measure.pdf_path = str(path.relative_to(settings.PROTECTED_ROOT))
    measure.pdf_sha256 = sha
    measure.signature, measure.key_fingerprint = decision_sign(sha256_hex=sha)


def report_pdf(report) -> bytes:
    """The yearly enforcement report as a PDF: the same figures as the page and the CSV (``core.pdf`` tables). An
    official document: in Chinese, whoever's click made it."""
    with translation.override("zh-hans"):
        return _report_pdf(report)


def _report_pdf(report) -> bytes:
    from .selectors.report import COLUMNS, column_labels

    labels = column_labels()

    def value(row, column) -> str:
        data = getattr(row, column)
        return pdf.money(data) if column.startswith("fines_") else str(data)

    def grid(title: str, rows, *, total: bool = False) -> list:
        columns = [pdf.Column(title, weight=2), *[pdf.Column(str(labels[c]), pdf.FIGURE) for c in COLUMNS]]
        return [pdf.table(columns, [[row.label, *[value(row, c) for c in COLUMNS]] for row in rows], total=total),
                pdf.space(5)]

    total = report.total
    story = [pdf.title(f"{report.year} 年度招标投标执法情况报告"),
             pdf.text(f"查处项目 {total.projects} 个，约谈提醒 {total.people_warned} 人，处理评标专家 "
                      f"{total.experts_handled} 名，罚款 {pdf.money(total.fines_amount)} 元。"), pdf.space(4),
             *grid("处理措施", report.by_kind), *grid("交易类别", report.by_category),
             *grid("行政区划", report.by_region), *grid("合计", [total], total=True)]
    return pdf.document_build(story, title=f"{report.year} 年度执法情况报告", pagesize=pdf.LANDSCAPE)
