from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation


class RegistrationForm(forms.Form):
    """An organisation registers itself and its first person."""

    SELF_SERVICE_TYPES = [
        (Organisation.Type.BIDDER, Organisation.Type.BIDDER.label),
        (Organisation.Type.AGENCY, Organisation.Type.AGENCY.label),
        (Organisation.Type.TENDERER, Organisation.Type.TENDERER.label),
    ]

    org_name = forms.CharField(label=_("Organisation name"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=32)
    org_type = forms.ChoiceField(label=_("Organisation type"), choices=SELF_SERVICE_TYPES)
    region = forms.CharField(label=_("Region code"), max_length=12, required=False)
    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ. Type the same password twice."))
        return cleaned
