"""The region picker: province → prefecture → county selects that store one 6-digit code.

Without JavaScript it still works: the server renders the options below whatever is chosen, and
a choice whose levels disagree (a province changed, a stale county left) keeps the deepest level
that lies inside the levels above it. static/js/region_picker.js refills the lower selects at once.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .forms import FlatSelect
from .regions import region_children, region_get

LEVELS = ("province", "city", "county")


def _chain(code: str) -> list[str]:
    """[province, prefecture, county] codes of ``code``, "" where a level is missing (municipalities)."""
    region = region_get(code)
    chain = ["", "", ""]
    if region is not None:
        for step in region.path:
            chain[step.level - 1] = step.code
    return chain


class RegionWidget(forms.MultiWidget):
    template_name = "core/region_widget.html"

    class Media:
        js = [forms.Script("js/region_picker.js", type="module")]

    def __init__(self, attrs=None, *, empty_label="—"):
        self.empty_label = empty_label
        super().__init__([FlatSelect(attrs={"data-level": level}) for level in LEVELS], attrs)

    def decompress(self, value):
        return _chain(value or "")

    def value_from_datadict(self, data, files, name):
        if name in data:  # a plain code, as scripts and links send it (?region=310000)
            return data[name]
        deepest = ""
        for i in range(len(LEVELS)):
            code = data.get(f"{name}_{i}", "")
            if not code:
                continue  # a municipality has no prefecture level
            region = region_get(code)
            if region is None or (deepest and deepest not in {step.code for step in region.path}):
                break
            deepest = region.code
        return deepest

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def get_context(self, name, value, attrs):
        province, city, _county = value if isinstance(value, list) else self.decompress(value)
        below_province = region_children(province) if province else []
        cities = [r for r in below_province if r.level == 2]
        counties = region_children(city) if city else [r for r in below_province if r.level == 3]
        levels = zip(self.widgets, (region_children(""), cities, counties), (self.empty_label, "—", "—"), strict=True)
        for widget, options, empty in levels:
            widget.choices = [("", empty)] + [(r.code, r.name) for r in options]
        context = super().get_context(name, value, attrs)
        # A required region needs its province; the lower levels stay optional (a municipality has no prefecture,
        # and the province itself is a region): a browser must not refuse the form for an empty county.
        for subwidget in context["widget"]["subwidgets"][1:]:
            subwidget["attrs"].pop("required", None)
        context["widget"]["children_url"] = reverse("core:region_children")
        return context


class RegionField(forms.CharField):
    """A 6-digit division code picked by name; ``required=False`` lets "all regions" through as ""."""

    widget = RegionWidget
    default_error_messages = {"invalid": _("Pick a region from the list.")}

    def __init__(self, *, empty_label="—", **kwargs):
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("widget", RegionWidget(empty_label=empty_label))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and region_get(value) is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
