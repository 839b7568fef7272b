"""The evaluation-criteria editor (评审因素): rows of name, kind and weight with a running total — no JSON.

It posts ``<name>-name-<i>``, ``<name>-kind-<i>``, ``<name>-weight-<i>`` for each row and works without
JavaScript (three empty rows below the filled ones); static/js/row_editor.js adds and removes rows and keeps
the total up to date. Whether the weights are acceptable (add up to 100, one price criterion, the price weight of
government procurement) is the service's rule (trading.services.projects.criteria_problems).
"""

import contextlib
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

KINDS = [("price", _("Price")), ("technical", _("Technical")), ("business", _("Business")), ("other", _("Other"))]
BLANK_ROWS = 3


def criteria_rows(criteria) -> list[dict]:
    """The criteria as a page shows them: name, the kind's label and the weight (rows of another shape skipped)."""
    labels = dict(KINDS)
    return [{"name": c.get("name", ""), "kind": labels.get(c.get("kind"), c.get("kind", "")), "weight": c.get("weight")}
            for c in (criteria if isinstance(criteria, list) else []) if isinstance(c, dict)]


class CriteriaWidget(forms.Widget):
    template_name = "trading/criteria_widget.html"

    class Media:
        js = [forms.Script("js/row_editor.js", type="module")]

    def value_from_datadict(self, data, files, name):
        rows, i = [], 0
        while f"{name}-name-{i}" in data:
            row = {"name": data.get(f"{name}-name-{i}", "").strip(), "kind": data.get(f"{name}-kind-{i}", ""),
                   "weight": data.get(f"{name}-weight-{i}", "").strip()}
            if row["name"] or row["weight"]:
                rows.append(row)
            i += 1
        return rows

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-name-0" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [dict(row) for row in (value or []) if isinstance(row, dict)]
        rows += [{"name": "", "kind": "technical", "weight": ""} for _ in range(BLANK_ROWS)]
        total = Decimal(0)
        for row in rows:
            with contextlib.suppress(InvalidOperation):
                total += Decimal(str(row.get("weight") or 0))
        context["widget"].update({"rows": rows, "kinds": KINDS, "total": total})
        return context


class CriteriaField(forms.Field):
    """A list of {"name", "kind", "weight"}; weights are numbers (the service checks what they add up to)."""

    widget = CriteriaWidget

    def to_python(self, value):
        if not value:
            return []
        rows = []
        for row in value:
            if not row.get("name"):
                raise ValidationError(_("Give every criterion with a weight a name."), code="name")
            if row.get("kind") not in dict(KINDS):
                raise ValidationError(_("Pick the kind of “%(name)s” from the list.") % {"name": row["name"]},
                                      code="kind")
            try:
                weight = Decimal(str(row.get("weight")))
            except InvalidOperation:
                raise ValidationError(_("The weight of “%(name)s” is a number, e.g. 30.") % {"name": row["name"]},
                                      code="weight")
            rows.append({"name": row["name"], "kind": row["kind"],
                         "weight": int(weight) if weight == weight.to_integral() else float(weight)})
        return rows
