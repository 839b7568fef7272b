from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import credit_code

CREDIT_CODE_PROBLEMS = {
    "length": _("it must have 18 characters"),
    "characters": _("it may contain only digits and capital letters other than I, O, Z, S and V"),
    "check": _("its last character does not match the check character computed from the first 17"),
}


def validate_credit_code(value: str) -> None:
    try:
        credit_code.validate(value)
    except credit_code.CreditCodeError as exc:
        raise ValidationError(
            _("“%(code)s” is not a valid unified social credit code: %(problem)s. "
              "Copy it exactly from the business licence."),
            code="invalid_credit_code",
            params={"code": value, "problem": CREDIT_CODE_PROBLEMS[exc.problem]},
        ) from exc


class Organisation(models.Model):
    """A legal person on the platform: tenderer, agency, bidder, regulator or the platform itself."""

    class Type(models.TextChoices):
        TENDERER = "tenderer", _("Tenderer (招标人/采购人)")
        AGENCY = "agency", _("Tendering agency (招标代理机构)")
        BIDDER = "bidder", _("Bidder (投标人/供应商)")
        REGULATOR = "regulator", _("Regulator (行政监督部门)")
        PLATFORM = "platform", _("Platform operator")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        error_messages={"unique": _("An organisation with this credit code is already registered.")},
    )
    org_type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    region = models.CharField(
        _("region code"), max_length=12, blank=True, help_text=_("Administrative division code, e.g. 310000")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "org_type"], name="organisation_unique_name_type",
                violation_error_message=_("An organisation of this type with this name is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    TENDERER = "tenderer", _("Tenderer")
    AGENCY = "agency", _("Agency")
    BIDDER = "bidder", _("Bidder")
    EXPERT = "expert", _("Expert")
    REGULATOR = "regulator", _("Regulator")
    OFFICIAL = "official", _("Official")
    ADMIN = "admin", _("Platform admin")


# Which organisation type a person of each role belongs to (None: no organisation needed).
ROLE_ORGANISATION_TYPE = {
    Role.TENDERER: Organisation.Type.TENDERER,
    Role.AGENCY: Organisation.Type.AGENCY,
    Role.BIDDER: Organisation.Type.BIDDER,
    Role.EXPERT: None,
    Role.REGULATOR: Organisation.Type.REGULATOR,
    Role.OFFICIAL: None,
    Role.ADMIN: Organisation.Type.PLATFORM,
}


class User(AbstractUser):
    """A person. Each account acts in one role, for one organisation where the role needs one."""

    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="people",
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        # Only platform admins reach the back office; the role decides, not a checkbox.
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        wanted = ROLE_ORGANISATION_TYPE.get(self.role)
        if wanted and self.organisation_id and self.organisation.org_type != wanted:
            raise ValidationError(
                {"organisation": _("A %(role)s must belong to an organisation of type %(type)s.")
                 % {"role": self.get_role_display(), "type": Organisation.Type(wanted).label}}
            )
