"""The evaluation report (评标报告) as a PDF, Chinese in the CID font STSong-Light.

The report is the result: it names the committee, prints each member's scores, the
aggregation, the abnormally-low-price decisions, the ranking and the candidates.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Evaluation, LowPriceCheck, PriceAdjustment, ScoreSheet
from . import selectors


def report_pdf(*, evaluation: Evaluation) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    heading = ParagraphStyle("heading", fontName=font, fontSize=16, leading=22)
    subheading = ParagraphStyle("subheading", fontName=font, fontSize=11, leading=16, spaceBefore=6)
    normal = ParagraphStyle("normal", fontName=font, fontSize=8.5, leading=12)
    section = evaluation.section
    project = section.project
    title = _("Evaluation report: %(title)s, section %(code)s") % {"title": project.title, "code": section.name}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, subject="evaluation report",
                            author="Sunshine Trading Platform", leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm)

    def table(rows):
        grid = Table([[Paragraph(str(cell), normal) for cell in row] for row in rows], repeatRows=1)
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fef3c7")),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return grid

    labels = selectors.member_labels(evaluation=evaluation)
    result = evaluation.result
    names = {str(b["bid"]): b["name"] for b in evaluation.bids}
    story = [Paragraph(title, heading), Paragraph(_("Deal code %(code)s · method: %(method)s · reported at %(at)s") % {
        "code": section.full_code, "method": project.get_evaluation_method_display(),
        "at": f"{timezone.localtime(evaluation.reported_at):%Y-%m-%d %H:%M}"}, normal), Spacer(1, 3 * mm)]
    story.append(Paragraph(_("Committee"), subheading))
    seats = {s.pk: s for s in evaluation.draw_request.seats.select_related("expert__user", "specialty")}
    leader = selectors.leader_seat(evaluation=evaluation)
    rows = [[_("Member"), _("Name"), _("Specialty"), _("State")]]
    for pk, label in labels.items():
        seat = seats[pk]
        state = seat.get_state_display() + (" · " + _("leader") if leader and leader.pk == pk else "")
        rows.append([label, str(seat.expert.user), str(seat.specialty), state])
    story.append(table(rows))
    story.append(Paragraph(_("Opened bids"), subheading))
    rows = [[_("Bid"), _("Bidder"), _("Price (yuan)"), _("Opening summary")]]
    for b in evaluation.bids:
        extra = ", ".join(f"{k}: {v}" for k, v in b["summary"].items() if k != "price")
        rows.append([b["bid"], b["name"], b["price"], extra])
    story.append(table(rows))
    checks = list(LowPriceCheck.objects.filter(evaluation=evaluation))
    story.append(Paragraph(_("Abnormally low prices"), subheading))
    if checks:
        rows = [[_("Bidder"), _("Grounds"), _("Explanation"), _("Decision"), _("Reasons")]]
        rows += [[names[str(c.bid_id)], c.grounds, c.explanation or "—", c.get_decision_display(), c.decision_note]
                 for c in checks]
        story.append(table(rows))
    else:
        story.append(Paragraph(_("No bid was flagged."), normal))
    adjustments = list(PriceAdjustment.objects.filter(evaluation=evaluation))
    if adjustments:
        story.append(Paragraph(_("Price adjustments"), subheading))
        rows = [[_("Bidder"), _("Amount (yuan)"), _("Reason")]]
        rows += [[names[str(a.bid_id)], str(a.amount), a.reason] for a in adjustments]
        story.append(table(rows))
    sheets = list(ScoreSheet.objects.filter(evaluation=evaluation).order_by("seat"))
    if sheets:
        story.append(Paragraph(_("Each member's scores"), subheading))
        criteria = [c["name"] for c in evaluation.criteria if c.get("kind") != "price"]
        rows = [[_("Member"), _("Bidder"), *criteria, _("Counted")]]
        for sheet in sheets:
            counted = labels.get(sheet.seat_id) in result.get("members", [])
            for b in evaluation.bids:
                row = sheet.scores.get(str(b["bid"]), {})
                rows.append([labels.get(sheet.seat_id, "?"), b["name"], *[row.get(c, "—") for c in criteria],
                             _("yes") if counted else _("void (member replaced)")])
        story.append(table(rows))
    story.append(Paragraph(_("Aggregation and ranking"), subheading))
    figure = _("Final score") if result["method"] == "comprehensive" else _("Evaluated price (yuan)")
    rows = [[_("Rank"), _("Bidder"), _("Price (yuan)"), figure, _("Member totals"), _("Tie rule")]]
    for r in result["ranking"]:
        totals = ", ".join(f"{m}: {t}" for m, t in r["member_totals"].items())
        rows.append([r["rank"], r["name"], r["price"], r["figure"], totals or "—", r["tie_break"] or "—"])
    story.append(table(rows))
    if result.get("invalid"):
        story.append(Paragraph(_("Invalid for ranking: %(names)s") % {
            "names": ", ".join(names[str(k)] for k in result["invalid"])}, normal))
    story.append(Paragraph(_("Candidates"), subheading))
    for r in result["ranking"][:3]:
        story.append(Paragraph(f"{r['rank']}. {r['name']} ({r['price']})", normal))
    doc.build(story)
    return buffer.getvalue()
