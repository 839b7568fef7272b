"""Statistics pages for officials and regulators (the table with charts, its CSV export and PDF report) and the
history import page for officials and the admin."""

import csv
import io
from pathlib import Path

import tablib
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import permission_required
from accounts.throttling import ExportThrottle, StatisticsThrottle, throttle_view
from core.region_field import RegionWidget
from core.workdays import today
from trading.models import Category

from .charts import to_svg
from .history import HEADERS, REQUIRED
from .marketplace import marketplace_statistics
from .models import ImportJob
from .reports import figure_labels, filter_summary, group_labels, statistics_csv, statistics_pdf, statistics_report
from .selectors import GROUP_BY, statistics_filter_parse, statistics_table
from .services import history_import_start

SAMPLE_FILE = Path(__file__).resolve().parent / "fixtures" / "history_sample.csv"


def _query(request):
    """The query string with the region picker's three selects folded into one ``region`` code."""
    query = request.GET.copy()
    if any(f"region_{i}" in query for i in range(3)):
        query["region"] = RegionWidget().value_from_datadict(request.GET, None, "region")
        for i in range(3):
            query.pop(f"region_{i}", None)
    return query


def _parse(request):
    """The filter from the query string, or the errors to show next to the form."""
    try:
        return statistics_filter_parse(_query(request), today=today()), {}
    except ValidationError as exc:
        return None, {field: " ".join(messages) for field, messages in exc.message_dict.items()}


def _form_context(request, errors: dict) -> dict:
    query = _query(request)
    picker = RegionWidget(empty_label=_("All regions"))
    return {"errors": errors, "values": query, "group_choices": [(g, group_labels()[g]) for g in GROUP_BY],
            "category_choices": Category.choices, "querystring": query.urlencode(),
            "region_picker": picker.render("region", query.get("region", "")), "region_media": picker.media}


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


# ------------------------------------------------------------------------------------------ history import


@permission_required("statistics.import")
def history_import(request):
    """The history import page: the columns, the sample files, an upload form and the recent imports."""
    errors = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = {"file": _("Choose a .csv or .xlsx file to upload.")}
        else:
            try:
                job = history_import_start(user=request.user, file_name=upload.name, content=upload.read())
            except ValidationError as exc:
                errors = {field: " ".join(messages) for field, messages in exc.message_dict.items()}
            else:
                return redirect("stats:history_import_job", pk=job.pk)
    context = {"errors": errors, "jobs": ImportJob.objects.select_related("uploaded_by")[:20],
               "columns": [(HEADERS[name][0], name in REQUIRED) for name in HEADERS]}
    return render(request, "stats/import.html", context, status=400 if errors else 200)


@permission_required("statistics.import")
def history_import_job(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    return render(request, "stats/import_job.html", {"job": job, "finished": job.state in (
        ImportJob.State.DONE, ImportJob.State.REFUSED)})


@permission_required("statistics.import")
def history_import_sample(request, kind: str):
    """The sample file of past deals, as CSV (UTF-8 with BOM) or XLSX."""
    text = SAMPLE_FILE.read_text(encoding="utf-8")
    if kind == "csv":
        response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    else:
        lines = list(csv.reader(io.StringIO(text)))
        data = tablib.Dataset(*lines[1:], headers=lines[0])
        response = HttpResponse(data.export("xlsx"), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="history-import-sample.{kind}"'
    return response


@permission_required("statistics.view")
@throttle_view(StatisticsThrottle)
def marketplace_statistics_page(request):
    """The intermediary marketplace's deals, amounts and savings against the fee caps (网上中介超市统计)."""
    query = {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")}
    try:
        flt = statistics_filter_parse(query, today=today())
    except ValidationError as exc:
        errors = {field: " ".join(messages) for field, messages in exc.message_dict.items()}
        return render(request, "stats/marketplace.html", {"errors": errors, "values": query}, status=400)
    figures = marketplace_statistics(date_from=flt.date_from, date_to=flt.date_to)
    return render(request, "stats/marketplace.html", {"errors": {}, "values": query, "figures": figures})
