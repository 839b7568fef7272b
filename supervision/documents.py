"""The decision document (处理决定书) of a measure: a PDF signed by the platform key, and inside the PDF (PAdES,
``core.pdf_signing``) by the platform's certificate.

Signed as the opening records are (``bidding_room.signing``): the signature covers a context string and the PDF's
SHA-256, so anyone holding the platform's published public key checks it offline with ``sealing.signature_verify``.
"""

import base64
import hashlib
import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone

import sealing
from core.pdf_signing import document_sign

from .models import Measure

CONTEXT = b"SUNSHINE supervision decision v1\x00"
FONT = "STSong-Light"


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
    """Draw the decision (Chinese in reportlab's CID font, embedded by reference as the other records are)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=1, wordWrap="CJK")
    centre = ParagraphStyle("centre", fontName=FONT, fontSize=11, leading=16, alignment=1, wordWrap="CJK")
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK", spaceBefore=4)

    def p(text, style=body) -> Paragraph:
        return Paragraph(str(text).replace("&", "&amp;").replace("<", "&lt;"), style)

    case = measure.case
    project = case.project
    subject = measure.organisation.name if measure.organisation_id else str(measure.person)
    code = f"（统一社会信用代码 {measure.organisation.credit_code}）" if measure.organisation_id else ""
    story = [p("处理决定书", title), p(measure.number, centre), Spacer(1, 6 * mm),
             p(f"当事人：{subject}{code}"), p(f"案件：{case.number} {case.title}")]
    if project is not None:
        story.append(p(f"项目：{project.title}（统一交易标识码 {project.deal_code}）"))
    story += [p(f"处理措施：{measure.get_kind_display()}"), *[p(line) for line in _detail(measure)],
              p("查明的事实与理由："), p(measure.findings), p(f"法律依据：{measure.legal_basis}")]
    if measure.behaviour_code:
        story.append(p("本决定记入当事人信用记录。"))
    story += [Spacer(1, 8 * mm), p(case.regulator.name if case.regulator_id else "行政监督部门"),
              p(timezone.localtime(measure.issued_at).strftime("%Y年%m月%d日"))]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"处理决定书 {measure.number}", leftMargin=20 * mm,
                      rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm, invariant=1).build(story)
    return document_sign(buffer.getvalue())


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
    """The yearly enforcement report as a PDF: the same figures as the page and the CSV."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from .selectors.report import COLUMNS, column_labels

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=16, leading=22, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=11, wordWrap="CJK")
    number = ParagraphStyle("number", parent=cell, alignment=2)
    labels = column_labels()

    def value(row, column) -> str:
        data = getattr(row, column)
        return f"{data:,.2f}" if column.startswith("fines_") else str(data)

    def grid(title: str, rows) -> list:
        lines = [[Paragraph(title, cell), *[Paragraph(labels[c], cell) for c in COLUMNS]]]
        lines += [[Paragraph(row.label, cell), *[Paragraph(value(row, c), number) for c in COLUMNS]] for row in rows]
        table = Table(lines, repeatRows=1, colWidths=[40 * mm] + [23 * mm] * len(COLUMNS))
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [table, Spacer(1, 5 * mm)]

    total = report.total
    story = [Paragraph(f"{report.year} 年度招标投标执法情况报告", heading), Spacer(1, 3 * mm),
             Paragraph(f"查处项目 {total.projects} 个，约谈提醒 {total.people_warned} 人，处理评标专家 "
                       f"{total.experts_handled} 名，罚款 {total.fines_amount:,.2f} 元。", cell), Spacer(1, 4 * mm),
             *grid("处理措施", report.by_kind), *grid("交易类别", report.by_category),
             *grid("行政区划", report.by_region), *grid("合计", [total])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=f"{report.year} 年度执法情况报告", leftMargin=10 * mm,
                      rightMargin=10 * mm, topMargin=12 * mm, bottomMargin=12 * mm, invariant=1).build(story)
    return document_sign(buffer.getvalue())
