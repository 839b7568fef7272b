from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from .models import DrawRequest, Relation, Title


class ProfileForm(forms.Form):
    primary_specialty = forms.CharField(label=_("Primary specialty code"), max_length=12)
    secondary_specialties = forms.CharField(label=_("Secondary specialty codes"), required=False,
                                            help_text=_("Separate codes with semicolons, e.g. A0805;A0806"))
    title = forms.ChoiceField(label=_("Professional title"), choices=Title.choices)
    years_of_practice = forms.IntegerField(label=_("Years of practice"), min_value=0, max_value=70)
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    employer_credit_code = forms.CharField(label=_("Employer's credit code"), max_length=18, required=False)
    region = forms.CharField(label=_("Region code"), max_length=6)


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


def parse_composition(text: str) -> list[dict]:
    """"A0801:4, A0805:1" -> [{"specialty": "A0801", "count": 4}, ...]."""
    groups = []
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        code, _sep, count = part.partition(":")
        if not count.strip().isdigit():
            raise ValidationError(_("Write each group as CODE:COUNT, e.g. A0801:4, A0805:1."))
        groups.append({"specialty": code.strip(), "count": int(count)})
    return groups


class SectionDrawForm(forms.Form):
    """The committee request of a section: the parties come from the section, only the committee is asked."""

    evaluation_starts_at = forms.DateTimeField(label=_("Evaluation starts at"),
                                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    evaluation_ends_at = forms.DateTimeField(label=_("Evaluation ends at"),
                                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    mode = forms.ChoiceField(label=_("Mode"), choices=DrawRequest.Mode.choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    regions = forms.CharField(label=_("Regions drawn from"), initial="310000",
                              help_text=_("Region codes separated by commas"))
    composition = forms.CharField(label=_("Composition"), initial="A0801:4, A0805:1",
                                  help_text=_("Specialty code and number of experts, e.g. A0801:4, A0805:1"))
    tenderer_representatives = forms.IntegerField(label=_("Tenderer representatives"), min_value=0, initial=0)
    reserve_size = forms.IntegerField(label=_("Reserves per specialty"), min_value=0, max_value=10, initial=2)

    def clean_composition(self):
        return parse_composition(self.cleaned_data["composition"])

    def clean_regions(self):
        return [r.strip() for r in self.cleaned_data["regions"].replace("，", ",").split(",") if r.strip()]


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
