from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.region_field import RegionField
from core.regions import region_name

from .models import DrawRequest, Expert, Relation, Title
from .selectors.specialties import specialty_choices


class ProfileForm(forms.Form):
    primary_specialty = forms.ChoiceField(label=_("Primary specialty"), choices=lambda: specialty_choices())
    secondary_specialties = forms.MultipleChoiceField(
        label=_("Secondary specialties"), required=False, choices=lambda: specialty_choices(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-columns"}))
    title = forms.ChoiceField(label=_("Professional title"), choices=Title.choices)
    years_of_practice = forms.IntegerField(label=_("Years of practice"), min_value=0, max_value=70)
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    employer_credit_code = forms.CharField(label=_("Employer's credit code"), max_length=18, required=False)
    region = RegionField(label=_("Region"))


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Relation.Kind.choices)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200)
    credit_code = forms.CharField(label=_("Credit code"), max_length=18, required=False)
    starts_on = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class LeaveForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (UTF-8)"))


class AnswerForm(forms.Form):
    accept = forms.TypedChoiceField(label=_("Answer"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("I confirm")), ("no", _("I decline"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


def _pool_regions() -> list[tuple[str, str]]:
    """The regions the pool has experts in, by name with their number of experts."""
    rows = Expert.objects.values("region").annotate(n=Count("pk")).order_by("region")
    return [(row["region"], _("%(name)s (%(n)s experts)") % {"name": region_name(row["region"]), "n": row["n"]})
            for row in rows]


class CompositionWidget(forms.Widget):
    """Draw groups as rows: a specialty picked by name and a number of experts (static/js/row_editor.js)."""

    template_name = "expert_pool/composition_widget.html"

    class Media:
        js = [forms.Script("js/row_editor.js", type="module")]

    def value_from_datadict(self, data, files, name):
        rows, i = [], 0
        while f"{name}-specialty-{i}" in data:
            specialty, count = data.get(f"{name}-specialty-{i}", ""), data.get(f"{name}-count-{i}", "").strip()
            if specialty or count:
                rows.append({"specialty": specialty, "count": count})
            i += 1
        return rows

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-specialty-0" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [dict(row) for row in (value or []) if isinstance(row, dict)] + [{"specialty": "", "count": ""}] * 2
        specialties = [(code, name) for code, name in specialty_choices()]
        total = sum(int(row["count"]) for row in rows if str(row.get("count", "")).isdigit())
        context["widget"].update({"rows": rows, "specialties": list(specialties), "total": total})
        return context


class CompositionField(forms.Field):
    widget = CompositionWidget

    def to_python(self, value):
        groups = []
        for row in value or []:
            if not row.get("specialty"):
                raise ValidationError(_("Pick the specialty of every group that has a number of experts."))
            if not str(row.get("count", "")).isdigit() or int(row["count"]) < 1:
                raise ValidationError(_("Give each group a whole number of experts, at least 1."))
            groups.append({"specialty": row["specialty"], "count": int(row["count"])})
        if not groups:
            raise ValidationError(_("Add at least one group: a specialty and its number of experts."))
        return groups


class SectionDrawForm(forms.Form):
    """The committee request of a section: the parties come from the section, only the committee is asked."""

    evaluation_starts_at = forms.DateTimeField(label=_("Evaluation starts at"),
                                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    evaluation_ends_at = forms.DateTimeField(label=_("Evaluation ends at"),
                                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    mode = forms.ChoiceField(label=_("Mode"), choices=DrawRequest.Mode.choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    regions = forms.MultipleChoiceField(label=_("Regions drawn from"), widget=forms.CheckboxSelectMultiple,
                                        choices=lambda: _pool_regions(), initial=["310000"])
    composition = CompositionField(label=_("Composition: specialty and number of experts"),
                                   initial=[{"specialty": "A0801", "count": 4}, {"specialty": "A0805", "count": 1}])
    tenderer_representatives = forms.IntegerField(label=_("Tenderer representatives"), min_value=0, initial=0)
    reserve_size = forms.IntegerField(label=_("Reserves per specialty"), min_value=0, max_value=10, initial=2)



class DrawRequestForm(SectionDrawForm):
    """A request not tied to a section: the parties are named by hand, then the committee as for a section."""

    title = forms.CharField(label=_("Procedure"), max_length=300)
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)
    tenderer = forms.ModelChoiceField(label=_("Tenderer"),
                                      queryset=Organisation.objects.filter(org_type=Organisation.Type.TENDERER))
    regulator = forms.ModelChoiceField(label=_("Supervising regulator"), required=False,
                                       queryset=Organisation.objects.filter(org_type=Organisation.Type.REGULATOR))
    bidders = forms.ModelMultipleChoiceField(label=_("Bidders"), required=False,
                                             queryset=Organisation.objects.filter(org_type=Organisation.Type.BIDDER))
    government_procurement = forms.BooleanField(label=_("Government procurement"), required=False)
    budget = forms.DecimalField(label=_("Budget (yuan)"), max_digits=16, decimal_places=2, required=False)

    field_order = ["title", "reference", "tenderer", "regulator", "bidders", "government_procurement", "budget"]
