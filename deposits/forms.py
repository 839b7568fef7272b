from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors

DATE = forms.DateInput(attrs={"type": "date"})


class GuaranteeForm(forms.Form):
    issuer = forms.ChoiceField(label=_("Issuer"))
    number = forms.CharField(label=_("Guarantee number"), max_length=64)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=32)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)
    beneficiary = forms.CharField(label=_("Beneficiary"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [("", "—")] + list(selectors.issuers().items())


class RefundForm(forms.Form):
    account = forms.IntegerField(widget=forms.HiddenInput)
    bank_reference = forms.CharField(label=_("Bank reference of the refund"), max_length=64)
    interest = forms.DecimalField(label=_("Interest (yuan)"), max_digits=12, decimal_places=2, required=False,
                                  min_value=0)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Bank statement (.csv, .xlsx or .json)"))
