"""The yearly enforcement report (执法情况年报): counts and amounts by kind of measure, category and region.

The 荆门 2020 shape: projects investigated, people warned (约谈), experts handled, fines in yuan. A case counts
in the year it was opened; a measure in the year it was issued. One bundle; the page, the CSV, the PDF and the API
render it.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from trading.models import Category

from ..models import Case, Measure
from .enforcement import region_of

ZERO = Decimal("0.00")


@dataclass
class ReportRow:
    key: str
    label: str
    cases: int = 0
    projects: int = 0
    people_warned: int = 0
    experts_handled: int = 0
    fines: int = 0
    fines_amount: Decimal = ZERO
    fines_paid: Decimal = ZERO
    awards_voided: int = 0
    referrals: int = 0
    decisions: int = 0
    _projects: set = field(default_factory=set, repr=False)
    _experts: set = field(default_factory=set, repr=False)


COLUMNS = ["cases", "projects", "people_warned", "experts_handled", "fines", "fines_amount", "fines_paid",
           "awards_voided", "referrals", "decisions"]


def column_labels() -> dict[str, str]:
    return {"cases": _("Cases opened"), "projects": _("Projects investigated"), "people_warned": _("People warned"),
            "experts_handled": _("Experts handled"), "fines": _("Fines"), "fines_amount": _("Fines (yuan)"),
            "fines_paid": _("Fines paid (yuan)"), "awards_voided": _("Awards declared void"),
            "referrals": _("Referrals"), "decisions": _("Decisions")}


@dataclass
class EnforcementReport:
    year: int
    region: str
    total: ReportRow
    by_kind: list[ReportRow]
    by_category: list[ReportRow]
    by_region: list[ReportRow]


def _add_measure(row: ReportRow, measure: Measure) -> None:
    row.decisions += 1
    if measure.kind == Measure.Kind.WARNING_TALK:
        row.people_warned += len(measure.talked_to)
    elif measure.kind == Measure.Kind.FINE:
        row.fines += 1
        row.fines_amount += measure.amount
        row.fines_paid += measure.paid_amount or ZERO
    elif measure.kind in Measure.EXPERT_KINDS:
        row._experts.add(measure.expert_id)
        row.experts_handled = len(row._experts)
    elif measure.kind == Measure.Kind.AWARD_VOIDED:
        row.awards_voided += 1
    elif measure.kind == Measure.Kind.REFERRAL:
        row.referrals += 1


def _add_case(row: ReportRow, case: Case) -> None:
    row.cases += 1
    if case.project_id:
        row._projects.add(case.project_id)
        row.projects = len(row._projects)


def _scoped(qs: QuerySet, field_name: str, region: str) -> QuerySet:
    return qs.filter(**{f"{field_name}__startswith": region}) if region else qs


def enforcement_report(*, year: int, user=None, region: str = "") -> EnforcementReport:
    """The report of ``year`` for a regulator's region (or ``region``, a prefix)."""
    region = region or (region_of(user) if user is not None else "")
    cases = _scoped(Case.objects.filter(opened_at__year=year), "region", region).only(
        "pk", "project_id", "category", "region")
    measures = _scoped(Measure.objects.filter(issued_at__year=year), "case__region", region).select_related(
        "case").only("kind", "talked_to", "amount", "paid_amount", "expert_id", "case__category", "case__region")
    total = ReportRow("total", _("Total"))
    kinds = {kind: ReportRow(kind, str(label)) for kind, label in Measure.Kind.choices}
    categories: dict[str, ReportRow] = {}
    regions: dict[str, ReportRow] = {}
    labels = dict(Category.choices)

    def category_row(key: str) -> ReportRow:
        return categories.setdefault(key, ReportRow(key, str(labels.get(key, _("Not tied to a project")))))

    def region_row(key: str) -> ReportRow:
        return regions.setdefault(key, ReportRow(key, key or _("Not tied to a project")))

    for case in cases:
        for row in (total, category_row(case.category), region_row(case.region)):
            _add_case(row, case)
    by_kind_cases = defaultdict(set)
    for measure in measures:
        for row in (total, kinds[measure.kind], category_row(measure.case.category), region_row(measure.case.region)):
            _add_measure(row, measure)
        by_kind_cases[measure.kind].add(measure.case_id)
    for kind, row in kinds.items():
        row.cases = len(by_kind_cases[kind])
    return EnforcementReport(year=year, region=region, total=total, by_kind=list(kinds.values()),
                             by_category=sorted(categories.values(), key=lambda r: r.key),
                             by_region=sorted(regions.values(), key=lambda r: r.key))


def _cell(value) -> str:
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def report_csv(report: EnforcementReport) -> str:
    """The report as CSV: one block per grouping, the total last."""
    labels = column_labels()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Group"), _("Item"), *[labels[c] for c in COLUMNS]])
    for group, rows in ((_("Measure"), report.by_kind), (_("Category"), report.by_category),
                        (_("Region"), report.by_region), (_("Total"), [report.total])):
        for row in rows:
            writer.writerow([group, row.label, *[_cell(getattr(row, c)) for c in COLUMNS]])
    return out.getvalue()


def report_dict(report: EnforcementReport) -> dict:
    def row(r: ReportRow) -> dict:
        return {"key": r.key, "label": r.label, **{c: _cell(getattr(r, c)) if c.startswith("fines_") else
                                                   getattr(r, c) for c in COLUMNS}}

    return {"year": report.year, "region": report.region, "total": row(report.total),
            "by_kind": [row(r) for r in report.by_kind], "by_category": [row(r) for r in report.by_category],
            "by_region": [row(r) for r in report.by_region]}
