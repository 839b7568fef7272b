"""The evaluation report (评标报告) as a PDF, drawn with the platform's document helpers (``core.pdf``).

The report is the result: it names the committee, prints each member's scores, the
aggregation, the abnormally-low-price decisions, the ranking and the candidates. It is an
official document, so it is written in Chinese whoever's click made it.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from core import pdf
from trading.summary import summary_text

from ..models import Evaluation, LowPriceCheck, PriceAdjustment, ScoreSheet
from . import selectors


def member_name(label: str) -> str:
    """A member's label in the result ("M3") as the report prints it: 评委3."""
    return _("Member %(number)s") % {"number": label.removeprefix("M")} if label else "—"


def tie_rule(key: str) -> str:
    return {"price": _("lower price"), "submitted_at": _("earlier submission")}.get(key, key) if key else "—"


def report_pdf(*, evaluation: Evaluation) -> bytes:
    with translation.override("zh-hans"):
        return _report(evaluation)


def _report(evaluation: Evaluation) -> bytes:
    section = evaluation.section
    project = section.project
    title = _("Evaluation report: %(title)s, section %(code)s") % {"title": project.title, "code": section.name}
    labels = selectors.member_labels(evaluation=evaluation)
    result = evaluation.result
    names = {str(b["bid"]): b["name"] for b in evaluation.bids}
    F, T = pdf.FIGURE, pdf.TEXT
    story = [pdf.title(title), pdf.fields([
        (_("Deal code"), section.full_code), (_("Evaluation method"), project.get_evaluation_method_display()),
        (_("Reported at (Beijing time)"), pdf.beijing(evaluation.reported_at))])]

    story.append(pdf.heading(_("Committee")))
    seats = {s.pk: s for s in evaluation.draw_request.seats.select_related("expert__user", "specialty")}
    leader = selectors.leader_seat(evaluation=evaluation)
    rows = []
    for pk, label in labels.items():
        seat = seats[pk]
        state = seat.get_state_display() + (" · " + _("leader") if leader and leader.pk == pk else "")
        rows.append([member_name(label), str(seat.expert.user), str(seat.specialty), state])
    story.append(pdf.table([pdf.Column(_("Member")), pdf.Column(_("Name")), pdf.Column(_("Specialty"), weight=2),
                            pdf.Column(_("State"))], rows))

    story.append(pdf.heading(_("Opened bids")))
    story.append(pdf.table(
        [pdf.Column(_("No."), kind=F), pdf.Column(_("Bidder"), weight=2), pdf.Column(_("Price (yuan)"), kind=F),
         pdf.Column(_("Opening summary"), weight=2)],
        [[number, b["name"], pdf.money(b["price"]), summary_text(b["summary"]) or "—"]
         for number, b in enumerate(evaluation.bids, start=1)]))

    checks = list(LowPriceCheck.objects.filter(evaluation=evaluation))
    story.append(pdf.heading(_("Abnormally low prices")))
    if checks:
        story.append(pdf.table(
            [pdf.Column(_("Bidder")), pdf.Column(_("Grounds"), weight=2), pdf.Column(_("Explanation"), weight=2),
             pdf.Column(_("Decision")), pdf.Column(_("Reasons"), weight=2)],
            [[names[str(c.bid_id)], c.grounds, c.explanation or "—", c.get_decision_display(), c.decision_note]
             for c in checks]))
    else:
        story.append(pdf.text(_("No bid was flagged.")))

    adjustments = list(PriceAdjustment.objects.filter(evaluation=evaluation))
    if adjustments:
        story.append(pdf.heading(_("Price adjustments")))
        story.append(pdf.table(
            [pdf.Column(_("Bidder")), pdf.Column(_("Amount (yuan)"), kind=F), pdf.Column(_("Reason"), weight=2)],
            [[names[str(a.bid_id)], pdf.money(a.amount), a.reason] for a in adjustments]))

    sheets = list(ScoreSheet.objects.filter(evaluation=evaluation).order_by("seat"))
    if sheets:
        story.append(pdf.heading(_("Each member's scores")))
        criteria = [c["name"] for c in evaluation.criteria if c.get("kind") != "price"]
        rows = []
        for sheet in sheets:
            counted = labels.get(sheet.seat_id) in result.get("members", [])
            for b in evaluation.bids:
                row = sheet.scores.get(str(b["bid"]), {})
                rows.append([member_name(labels.get(sheet.seat_id, "")), b["name"],
                             *[row.get(c, "—") for c in criteria],
                             _("yes") if counted else _("void (member replaced)")])
        story.append(pdf.table([pdf.Column(_("Member")), pdf.Column(_("Bidder"), weight=2),
                                *[pdf.Column(c, kind=F) for c in criteria], pdf.Column(_("Counted"), kind=T)],
                               rows))

    story.append(pdf.heading(_("Aggregation and ranking")))
    comprehensive = result["method"] == "comprehensive"
    figure = _("Final score") if comprehensive else _("Evaluated price (yuan)")
    rows = []
    for r in result["ranking"]:
        totals = "；".join(f"{member_name(m)}：{t}" for m, t in r["member_totals"].items())
        rows.append([r["rank"], r["name"], pdf.money(r["price"]), r["figure"] if comprehensive else
                     pdf.money(r["figure"]), totals or "—", tie_rule(r["tie_break"])])
    story.append(pdf.table(
        [pdf.Column(_("Rank"), kind=F), pdf.Column(_("Bidder"), weight=2), pdf.Column(_("Price (yuan)"), kind=F),
         pdf.Column(figure, kind=F), pdf.Column(_("Member totals"), weight=2), pdf.Column(_("Tie rule"))], rows))
    if result.get("invalid"):
        story.append(pdf.text(_("Invalid for ranking: %(names)s") % {
            "names": "、".join(names[str(k)] for k in result["invalid"])}))

    story.append(pdf.heading(_("Candidates")))
    story.append(pdf.table(
        [pdf.Column(_("Rank"), kind=F), pdf.Column(_("Bidder"), weight=2), pdf.Column(_("Price (yuan)"), kind=F)],
        [[r["rank"], r["name"], pdf.money(r["price"])] for r in result["ranking"][:3]]))
    return pdf.document_build(story, title=title, subject=_("Evaluation report"))
