"""Forms of the marketplace's pages. They parse input; the services decide and explain refusals."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core.region_field import RegionField

from . import conf
from .models import Intermediary, Method, Purchase

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STARS = [(n, "★" * n) for n in range(5, 0, -1)]


def service_type_choices() -> list[tuple[str, str]]:
    return [(code, str(entry[0])) for code, entry in conf.service_types().items()]


class IntermediaryForm(forms.Form):
    service_types = forms.MultipleChoiceField(label=_("Service types offered"), widget=forms.CheckboxSelectMultiple)
    region = RegionField(label=_("Region served"))
    region_2 = RegionField(label=_("Another region served"), required=False)
    region_3 = RegionField(label=_("Another region served"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=60)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    introduction = forms.CharField(label=_("Introduction"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_types"].choices = service_type_choices()

    @staticmethod
    def initial_of(intermediary: Intermediary) -> dict:
        regions = list(intermediary.regions) + ["", "", ""]
        return {"service_types": intermediary.service_types, "region": regions[0], "region_2": regions[1],
                "region_3": regions[2], "contact_name": intermediary.contact_name,
                "contact_phone": intermediary.contact_phone, "contact_email": intermediary.contact_email,
                "introduction": intermediary.introduction}

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"service_types": data["service_types"],
                "regions": [data[k] for k in ("region", "region_2", "region_3") if data.get(k)],
                "contact_name": data["contact_name"], "contact_phone": data["contact_phone"],
                "contact_email": data["contact_email"], "introduction": data["introduction"]}


class QualificationForm(forms.Form):
    service_type = forms.ChoiceField(label=_("Service type"))
    name = forms.CharField(label=_("Qualification"), max_length=120, help_text=_("As on the certificate"))
    number = forms.CharField(label=_("Certificate number"), max_length=60)
    level = forms.CharField(label=_("Grade"), max_length=30, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=120, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)

    def __init__(self, *args, intermediary: Intermediary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = [(c, conf.service_type_name(c)) for c in intermediary.service_types]


class PurchaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    service_type = forms.ChoiceField(label=_("Service type"))
    method = forms.ChoiceField(label=_("Selection method"), choices=Method.choices,
                               help_text=_("Each service type allows only some methods (set by local rules)."))
    scope = forms.CharField(label=_("Scope of service"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    requirements = forms.CharField(label=_("Requirements"), required=False, max_length=4000,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    region = RegionField(label=_("Region of the project"))
    fee_cap = forms.CharField(label=_("Fee cap (yuan)"), max_length=20)
    deadline = forms.DateTimeField(label=_("Deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                   help_text=_("Applications close then; the draw or the selection follows."))
    quote_mode = forms.ChoiceField(label=_("Quotes (lowest price only)"), required=False,
                                   choices=[("", _("As the local rules say"))] + list(Purchase.QuoteMode.choices))
    weight_price = forms.IntegerField(label=_("Weight of price (%) (comparison only)"), required=False, min_value=0,
                                      max_value=100)
    weight_proposal = forms.IntegerField(label=_("Weight of the proposal (%)"), required=False, min_value=0,
                                         max_value=100)
    weight_experience = forms.IntegerField(label=_("Weight of experience (%)"), required=False, min_value=0,
                                           max_value=100)
    weight_plan = forms.IntegerField(label=_("Weight of the work plan (%)"), required=False, min_value=0,
                                     max_value=100)
    direct_reason = forms.CharField(label=_("Reason for direct selection (direct selection only)"), required=False,
                                    max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = service_type_choices()
        if not self.is_bound:
            for key, value in conf.get("MARKETPLACE_COMPARISON_WEIGHTS").items():
                self.fields[f"weight_{key}"].initial = value

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        weights = {key: data.pop(f"weight_{key}") or 0 for key in ("price", "proposal", "experience", "plan")}
        data["weights"] = weights if data["method"] == Method.COMPARISON else None
        return data


class ApplyForm(forms.Form):
    quote = forms.CharField(label=_("Your quote (yuan)"), max_length=20)
    proposal = forms.CharField(label=_("Proposal (comparison only)"), required=False, max_length=8000,
                               widget=forms.Textarea(attrs={"rows": 4}))


class DirectForm(forms.Form):
    intermediary = forms.ModelChoiceField(label=_("Intermediary"), queryset=Intermediary.objects.none())
    amount = forms.CharField(label=_("Agreed fee (yuan)"), max_length=20)

    def __init__(self, *args, purchase: Purchase, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [i.pk for i in Intermediary.objects.all() if purchase.service_type in i.service_types]
        self.fields["intermediary"].queryset = Intermediary.objects.filter(pk__in=ids).select_related("organisation")


class CommitteeForm(forms.Form):
    members = forms.ModelMultipleChoiceField(label=_("Committee members"), queryset=User.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, purchase: Purchase, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(role=Role.TENDERER, organisation_id=purchase.owner_id)
        experts = User.objects.filter(role=Role.EXPERT)
        self.fields["members"].queryset = (staff | experts).filter(is_active=True).order_by("role", "username")
        self.fields["members"].label_from_instance = lambda u: f"{u} · {u.get_role_display()}"


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("Your objection"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class ContractForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    amount = forms.CharField(label=_("Contract amount (yuan)"), max_length=20)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    deliverables = forms.CharField(label=_("Deliverables"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RatingForm(forms.Form):
    timeliness = forms.TypedChoiceField(label=_("Timeliness"), choices=STARS, coerce=int)
    quality = forms.TypedChoiceField(label=_("Quality"), choices=STARS, coerce=int)
    attitude = forms.TypedChoiceField(label=_("Attitude"), choices=STARS, coerce=int)
    fees = forms.TypedChoiceField(label=_("Fees"), choices=STARS, coerce=int)
    comment = forms.CharField(label=_("Comment (required for a poor rating)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class BreachForm(forms.Form):
    description = forms.CharField(label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Intermediary.Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ScoreForm(forms.Form):
    """One mark field per (application, scored criterion)."""

    def __init__(self, *args, applications, criteria: list[str], labels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for application in applications:
            names = []
            for criterion in criteria:
                name = f"m_{application.pk}_{criterion}"
                self.fields[name] = forms.IntegerField(label=labels[criterion], min_value=0, max_value=100)
                names.append(name)
            self.rows.append((application, [self[n] for n in names]))

    def marks(self) -> dict:
        out: dict[int, dict] = {}
        for name, value in self.cleaned_data.items():
            _m, pk, criterion = name.split("_", 2)
            out.setdefault(int(pk), {})[criterion] = value
        return out
