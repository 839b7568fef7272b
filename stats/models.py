"""The statistics rollup (a summary by day × category × region × base type), deals fed by other apps, and
history import jobs.

``DealRollup`` is what the statistics page, CSV, PDF and API read on PostgreSQL. Database triggers keep it
in the same transaction as every write to awards, projects and ``ExternalDeal`` (stats/rollup_sql.py says
how and docs/statistics.md why); ``manage.py rebuild_statistics`` recomputes it from the raw rows and proves
the two equal.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trading.models import BaseType, Category


class _DealSums(models.Model):
    """What the deal rollups hold per group: its category, region, base type and source, and the sums."""

    category = models.CharField(max_length=16, choices=Category.choices)
    region = models.CharField(max_length=6)
    base_type = models.CharField(max_length=16, choices=BaseType.choices)
    source = models.CharField(max_length=16)
    awards = models.IntegerField(default=0)
    base = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        abstract = True


class DealRollup(_DealSums):
    """Σ over the deals of one day (Asia/Shanghai) × category × region × base type × source.

    ``projects`` counts project-days (a project whose sections were awarded on two days counts on each day); the
    statistics read exact project counts from ``ProjectRollup``.
    ``source`` is ``platform`` (run here), ``imported`` (history import) or the name of the app that fed an
    ``ExternalDeal`` (e.g. ``auctions``).
    """

    day = models.DateField()
    projects = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("statistics rollup row")
        verbose_name_plural = _("statistics rollup")
        constraints = [models.UniqueConstraint(fields=["day", "category", "region", "base_type", "source"],
                                               name="stats_rollup_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.category} {self.region} {self.base_type} {self.source}: {self.awards}"


class ProjectDay(models.Model):
    """A day on which a project (or another app's procedure, by its ``project_key``) had a deal counted: kept by the
    triggers of stats/rollup_sql.py, so that ``ProjectRollup`` can be corrected when a project's days change."""

    source = models.CharField(max_length=16)
    project = models.CharField(max_length=64)
    category = models.CharField(max_length=16, choices=Category.choices)
    region = models.CharField(max_length=6)
    day = models.DateField()

    class Meta:
        verbose_name = _("project deal day")
        verbose_name_plural = _("project deal days")
        constraints = [models.UniqueConstraint(fields=["source", "project", "category", "region", "day"],
                                               name="stats_project_day_key")]

    def __str__(self) -> str:
        return f"{self.source}:{self.project} {self.day}"


class ProjectRollup(models.Model):
    """Σ projects by day × the same project's previous deal day × category × region × source: a project has a
    deal in [a, b] exactly when one of its days lies in [a, b] with its previous day before a, so the projects of
    any range are a plain sum (docs/statistics.md, "Projects, exactly")."""

    day = models.DateField()
    previous = models.DateField()  # 0001-01-01: the project's first day
    category = models.CharField(max_length=16, choices=Category.choices)
    region = models.CharField(max_length=6)
    source = models.CharField(max_length=16)
    projects = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("project count rollup row")
        verbose_name_plural = _("project count rollup")
        constraints = [models.UniqueConstraint(fields=["day", "previous", "category", "region", "source"],
                                               name="stats_project_rollup_key")]
        # the rows of whole months whose previous deal day falls in the range's first, partial month
        indexes = [models.Index(fields=["previous", "day"], name="stats_project_rollup_previous")]

    def __str__(self) -> str:
        return f"{self.day} (after {self.previous}) {self.category} {self.region} {self.source}: {self.projects}"


class DealRollupMonth(_DealSums):
    """``DealRollup`` summed by calendar month (``month`` is its first day): kept from the daily rows by triggers in
    the same transaction (stats/rollup_sql.py), so a range's whole months are read from here and only its edge days
    from the daily rows (docs/statistics.md, "Months and edge days")."""

    month = models.DateField()

    class Meta:
        verbose_name = _("monthly statistics rollup row")
        verbose_name_plural = _("monthly statistics rollup")
        constraints = [models.UniqueConstraint(fields=["month", "category", "region", "base_type", "source"],
                                               name="stats_rollup_month_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category} {self.region} {self.base_type} {self.source}: {self.awards}"


class ProjectRollupMonth(models.Model):
    """``ProjectRollup`` summed by the month of ``day`` and the month of ``previous`` (both as first days;
    0001-01-01 stays itself): kept from the daily rows by triggers in the same transaction. The projects of whole
    months whose previous deal day lies before a month boundary are a plain sum here; the daily rows answer the
    rest (docs/statistics.md, "Months and edge days")."""

    month = models.DateField()
    previous_month = models.DateField()
    category = models.CharField(max_length=16, choices=Category.choices)
    region = models.CharField(max_length=6)
    source = models.CharField(max_length=16)
    projects = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly project count rollup row")
        verbose_name_plural = _("monthly project count rollup")
        constraints = [models.UniqueConstraint(fields=["month", "previous_month", "category", "region", "source"],
                                               name="stats_project_rollup_month_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} (after {self.previous_month:%Y-%m}) {self.category} {self.region}: {self.projects}"


class ExternalDeal(models.Model):
    """A deal concluded in another app (land and property auctions, the marketplace), fed through
    ``core.deals.deal_record``: the six facts statistics need, keyed by its source and its own key."""

    source = models.CharField(max_length=16)
    key = models.CharField(max_length=64)
    project_key = models.CharField(max_length=64)
    category = models.CharField(max_length=16, choices=Category.choices)
    region = models.CharField(max_length=6)
    concluded_at = models.DateTimeField()
    base_type = models.CharField(max_length=16, choices=BaseType.choices)
    base_amount = models.DecimalField(max_digits=16, decimal_places=2)
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("deal from another app")
        verbose_name_plural = _("deals from other apps")
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="stats_external_deal_key")]
        indexes = [models.Index(fields=["source", "project_key"], name="stats_external_deal_project")]

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"


class ImportJob(models.Model):
    """One uploaded file of past deals (历史成交数据导入): checked row by row, then imported whole or not at all."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Checking rows")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused: fix the rows listed and upload again")

    file_name = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    language = models.CharField(max_length=10, default="zh-hans", help_text="The uploader's language, for messages")
    rows = models.JSONField(default=list, help_text="The parsed rows, as uploaded")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CHECKING)
    total = models.PositiveIntegerField(default=0)
    checked = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text='[{"row": n, "column": "…", "message": "…"}]')
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("history import")
        verbose_name_plural = _("history imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"

    @property
    def progress(self) -> int:
        """Percent done: checking is the first 90 %, writing (one transaction) the rest."""
        if self.state in (self.State.DONE, self.State.REFUSED):
            return 100
        if not self.total:
            return 0
        return min(90, self.checked * 90 // self.total)
