from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role
from core.forms import FlatSelect
from core.region_field import RegionField

from .criteria_field import CriteriaField
from .models import BaseType, Category, EvaluationMethod, ProcurementMethod, ProcurementObject, Status


def _organisations(org_type: str) -> list[tuple[str, str]]:
    """Organisations of one type to pick by name (the value is the credit code the view looks up)."""
    rows = Organisation.objects.filter(org_type=org_type).order_by("name").values_list("credit_code", "name")
    return [("", "—"), *rows]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    tenderer = forms.ChoiceField(label=_("Tenderer (agencies choose it)"), required=False,
                                 choices=lambda: _organisations(Organisation.Type.TENDERER))
    agency = forms.ChoiceField(label=_("Agency (optional for tenderers)"), required=False,
                               choices=lambda: _organisations(Organisation.Type.AGENCY))
    region = RegionField(label=_("Region"), initial="310000")
    procurement_method = forms.ChoiceField(label=_("Procurement method"), choices=ProcurementMethod.choices)
    procurement_object = forms.ChoiceField(label=_("Procurement object (government procurement)"),
                                           choices=[("", "—"), *ProcurementObject.choices], required=False)
    evaluation_method = forms.ChoiceField(label=_("Evaluation method"), choices=EvaluationMethod.choices)
    evaluation_criteria = CriteriaField(label=_("Evaluation criteria and weights"), required=False, initial=list)
    bid_deadline = forms.DateTimeField(label=_("Bid deadline (= opening time)"), widget=DateTimeInput, required=False)
    documents_end = forms.DateTimeField(label=_("Documents available until"), widget=DateTimeInput, required=False)
    clarification_deadline = forms.DateTimeField(label=_("Clarification deadline"), widget=DateTimeInput,
                                                 required=False)
    decryption_window_minutes = forms.IntegerField(label=_("Decryption window (minutes)"), initial=30, min_value=1)
    objection_window_minutes = forms.IntegerField(label=_("Objection window (minutes)"), initial=10, min_value=1)
    allow_backup_decryption = forms.BooleanField(label=_("Allow backup decryption"), required=False)
    # Project.key_files_allowed, asked the other way round: a form posted without the box keeps key files possible.
    certificates_only = forms.BooleanField(
        label=_("Certificates only (no key files)"), required=False,
        help_text=_("Tick to accept only certificates from a CA the platform accepts (数字证书) for bids and "
                    "opening-room sign-ins."))
    section_code = forms.CharField(label=_("First section: code"), initial="001", max_length=8)
    section_name = forms.CharField(label=_("First section: name"), max_length=200)
    section_base_amount = forms.DecimalField(label=_("First section: base amount (yuan)"), max_digits=16,
                                             decimal_places=2)
    section_base_type = forms.ChoiceField(label=_("First section: base type"), choices=BaseType.choices)

    def __init__(self, *args, role: str = "", **kwargs):
        """An agency names the tenderer it works for, a tenderer optionally its agency: neither picks itself."""
        super().__init__(*args, **kwargs)
        if role == Role.AGENCY:
            del self.fields["agency"]
            self.fields["tenderer"].required = True
            self.fields["tenderer"].label = _("Tenderer")
        elif role == Role.TENDERER:
            del self.fields["tenderer"]


def key_files_field(data: dict) -> dict:
    """The form's ``certificates_only`` as the project's ``key_files_allowed`` (when the form has it)."""
    if "certificates_only" in data:
        data["key_files_allowed"] = not data.pop("certificates_only")
    return data


class ProjectEditForm(forms.Form):
    """The fields of a draft that may still change (trading.services.projects.EDITABLE_FIELDS)."""

    title = ProjectForm.base_fields["title"]
    description = ProjectForm.base_fields["description"]
    category = ProjectForm.base_fields["category"]
    region = ProjectForm.base_fields["region"]
    procurement_method = ProjectForm.base_fields["procurement_method"]
    procurement_object = ProjectForm.base_fields["procurement_object"]
    evaluation_method = ProjectForm.base_fields["evaluation_method"]
    evaluation_criteria = ProjectForm.base_fields["evaluation_criteria"]
    bid_deadline = ProjectForm.base_fields["bid_deadline"]
    documents_end = ProjectForm.base_fields["documents_end"]
    clarification_deadline = ProjectForm.base_fields["clarification_deadline"]
    decryption_window_minutes = ProjectForm.base_fields["decryption_window_minutes"]
    objection_window_minutes = ProjectForm.base_fields["objection_window_minutes"]
    allow_backup_decryption = ProjectForm.base_fields["allow_backup_decryption"]
    certificates_only = ProjectForm.base_fields["certificates_only"]


class SectionForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=8)
    name = forms.CharField(label=_("Name"), max_length=200)
    base_amount = forms.DecimalField(label=_("Base amount (yuan)"), max_digits=16, decimal_places=2)
    base_type = forms.ChoiceField(label=_("Base type"), choices=BaseType.choices)
    bond_amount = forms.DecimalField(label=_("Bid bond (yuan)"), max_digits=16, decimal_places=2, required=False,
                                     help_text=_("Empty: no bond. At most two per cent of the base amount."))


class AmendForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("clarification", _("Clarification (澄清)")),
                                                       ("amendment", _("Amendment (变更)"))])
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 4}))
    new_bid_deadline = forms.DateTimeField(label=_("New bid deadline"), widget=DateTimeInput, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("All categories")), *Category.choices],
                                 required=False, widget=FlatSelect)
    region = RegionField(label=_("Region"), required=False, empty_label=_("All regions"))
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False,
                               widget=FlatSelect)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
