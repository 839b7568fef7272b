from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BehaviourVersion
from .selectors import catalogue_current


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the services check size and emptiness."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def behaviour_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(v.behaviour.code, _("%(title)s (−%(points)s points)") % {"title": v.title, "points": v.points})
               for v in catalogue_current(active_only=True)]
    return [("", blank)] + choices if blank is not None else choices


class RecordForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150,
                              help_text=_("Unified social credit code of the organisation, or the expert's user name."))
    behaviour = forms.ChoiceField(label=_("Behaviour"))
    occurred_on = forms.DateField(label=_("Date of the decision"), widget=forms.DateInput(attrs={"type": "date"}))
    decision_number = forms.CharField(label=_("Decision number"), max_length=100)
    deal_code = forms.CharField(label=_("Deal code"), max_length=64, required=False)
    evidence = forms.CharField(label=_("Facts and evidence"), widget=forms.Textarea(attrs={"rows": 4}))
    documents = MultipleFileField(label=_("Evidence documents"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["behaviour"].choices = behaviour_choices()


class CorrectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 3}))
    behaviour = forms.ChoiceField(label=_("Amend to (leave empty to annul)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["behaviour"].choices = behaviour_choices(blank=str(_("— annul the event —")))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve / uphold")), ("refuse", _("Refuse / dismiss"))])
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AppealDecideForm(DecideForm):
    behaviour = forms.ChoiceField(label=_("If upheld, amend to (leave empty to annul)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["behaviour"].choices = behaviour_choices(blank=str(_("— annul the event —")))


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("Statement"), widget=forms.Textarea(attrs={"rows": 3}))
    documents = MultipleFileField(label=_("Evidence documents"))


class BehaviourForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    points = forms.IntegerField(label=_("Points deducted"), min_value=0, max_value=100, initial=0)
    effect = forms.ChoiceField(label=_("Effect"), choices=BehaviourVersion.Effect.choices)
    months = forms.IntegerField(label=_("Months"), min_value=0, max_value=120, initial=0)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=BehaviourVersion.Applies.choices)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=200)
    legal_basis_tendering = forms.CharField(
        label=_("Legal basis in construction tendering"), max_length=200, required=False,
        help_text=_("Cited instead when the deal is a construction tender, e.g. 《招标投标法》第五十四条."))
    legal_basis_procurement = forms.CharField(
        label=_("Legal basis in government procurement"), max_length=200, required=False,
        help_text=_("Cited instead when the deal is a government procurement, e.g. 《政府采购法》第七十七条."))


class BehaviourCreateForm(BehaviourForm):
    code = forms.SlugField(label=_("Code"), max_length=60, help_text=_(
        "A short identifier of letters, digits and hyphens, used in links and data exports; it never changes."))
    field_order = ["code"]


class BehaviourReviseForm(BehaviourForm):
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    change_note = forms.CharField(label=_("Reason for the change"), max_length=300)
