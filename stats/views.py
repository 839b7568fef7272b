"""Statistics pages for officials and regulators: the table with charts, its CSV export and PDF report."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.permissions import permission_required
from accounts.throttling import ExportThrottle, StatisticsThrottle, throttle_view
from core.workdays import today
from trading.models import Category

from .charts import to_svg
from .reports import figure_labels, filter_summary, group_labels, statistics_csv, statistics_pdf, statistics_report
from .selectors import GROUP_BY, statistics_filter_parse, statistics_table


def _parse(request):
    """The filter from the query string, or the errors to show next to the form."""
    try:
        return statistics_filter_parse(request.GET, today=today()), {}
    except ValidationError as exc:
        return None, {field: " ".join(messages) for field, messages in exc.message_dict.items()}


def _form_context(request, errors: dict) -> dict:
    return {"errors": errors, "values": request.GET, "group_choices": [(g, group_labels()[g]) for g in GROUP_BY],
            "category_choices": Category.choices, "querystring": request.GET.urlencode()}


@permission_required("statistics.view")
@throttle_view(StatisticsThrottle)
def statistics(request):
    flt, errors = _parse(request)
    context = _form_context(request, errors)
    if flt is None:
        return render(request, "stats/index.html", context, status=400)
    report = statistics_report(flt=flt)
    context.update({"flt": flt, "report": report, "summary": filter_summary(flt), "labels": figure_labels(),
                    "group_label": group_labels()[flt.group_by],
                    "svg_charts": [to_svg(chart) for chart in report.charts]})
    return render(request, "stats/index.html", context)


def _refused(request, errors: dict) -> HttpResponse:
    text = _("The filter is not valid: %(errors)s") % {"errors": " ".join(errors.values())}
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


def _filename(flt) -> str:
    return f"statistics-{flt.group_by}-{flt.date_from}-{flt.date_to}"


@permission_required("statistics.view")
@throttle_view(ExportThrottle)
def statistics_export_csv(request):
    flt, errors = _parse(request)
    if flt is None:
        return _refused(request, errors)
    body = "\ufeff" + statistics_csv(table=statistics_table(flt=flt))  # BOM: spreadsheet programs read UTF-8
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(flt)}.csv"'
    return response


@permission_required("statistics.view")
@throttle_view(ExportThrottle)
def statistics_export_pdf(request):
    flt, errors = _parse(request)
    if flt is None:
        return _refused(request, errors)
    pdf = statistics_pdf(report=statistics_report(flt=flt), title=_("Transaction statistics report"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(flt)}.pdf"'
    return response
