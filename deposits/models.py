"""Deposits: money the platform does not hold but accounts for (竞买保证金, 投标保证金).

A ``DepositRequirement`` says what one purpose (a lot of a sale, a tender section) asks of every bidder: the
amount, the deadline by which it must have arrived, the refund rule, the beneficiary of a guarantee. Each bidder
gets a ``DepositAccount`` with its own virtual sub-account number (虚拟子账号). Money moves through ``Movement``
rows (arrival, refund due, refunded, conversion into the price, forfeit) and an electronic guarantee (电子保函)
can stand in for the money. Movements and guarantees are append-only: the model refuses to change or delete them
and, on PostgreSQL, a trigger refuses it in the database too (migration 0002).

Deposits never imports trading or auctions: a purpose is named by a generic reference, ``purpose_type`` (e.g.
``"auctions.lot"``, ``"trading.section"``) and ``purpose_id``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


class AppendOnlyError(RuntimeError):
    pass


class AppendOnly(models.Model):
    """A row that is written once: saving it again or deleting it raises AppendOnlyError."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} rows are append-only")


class RefundRule(models.TextChoices):
    """Which law sets the refund deadline; the day counts are settings (DEPOSITS_REFUND_RULES)."""

    TENDERING = "tl57", _("Tendering: 5 days after the contract (TL 57)")
    PROCUREMENT = "cgt33", _("Government procurement: 5 working days (CGT 33)")
    SALE = "sale", _("Land and property sales: 5 working days after the sale (the sale's rules)")


class DepositRequirement(models.Model):
    """What one purpose asks of each bidder: amount, arrival deadline, refund rule (保证金要求)."""

    class Kind(models.TextChoices):
        SALE_DEPOSIT = "sale", _("Bidding deposit (竞买保证金)")
        BID_BOND = "bond", _("Bid bond (投标保证金)")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    purpose_type = models.CharField(_("purpose type"), max_length=40,
                                    help_text=_("The app and model the deposit is for, e.g. auctions.lot"))
    purpose_id = models.CharField(_("purpose id"), max_length=64)
    label = models.CharField(_("purpose"), max_length=300)
    deal_code = models.CharField(_("deal code"), max_length=64, blank=True)
    organiser = models.ForeignKey("accounts.Organisation", verbose_name=_("organiser"), on_delete=models.PROTECT,
                                  related_name="+", help_text=_("The agency or seller who runs the sale or tender."))
    beneficiary = models.CharField(_("beneficiary"), max_length=200,
                                   help_text=_("Whom an electronic guarantee must name (tenderer or seller)."))
    amount = models.DecimalField(_("required amount"), **MONEY)
    deadline = models.DateTimeField(_("arrival deadline"))
    guarantee_valid_until = models.DateField(_("guarantees valid until at least"), null=True, blank=True)
    guarantees_accepted = models.BooleanField(_("electronic guarantees accepted"), default=True)
    refund_rule = models.CharField(_("refund rule"), max_length=8, choices=RefundRule.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-deadline", "pk"]
        verbose_name = _("deposit requirement")
        verbose_name_plural = _("deposit requirements")
        constraints = [
            models.UniqueConstraint(fields=["purpose_type", "purpose_id"], name="deposits_one_requirement_per_purpose"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="deposits_requirement_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def confidential(self) -> bool:
        """Tender bonds: nothing about who paid reaches anyone before the deadline (EB 23/24)."""
        return self.kind == self.Kind.BID_BOND


class DepositAccount(models.Model):
    """One bidder's deposit for one purpose, with its virtual sub-account number (虚拟子账号)."""

    requirement = models.ForeignKey(DepositRequirement, verbose_name=_("requirement"), on_delete=models.PROTECT,
                                    related_name="accounts")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("bidder"), on_delete=models.PROTECT,
                                     related_name="deposit_accounts")
    sub_account = models.CharField(_("virtual sub-account"), max_length=32, unique=True, null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        ordering = ["requirement", "pk"]
        verbose_name = _("deposit account")
        verbose_name_plural = _("deposit accounts")
        constraints = [
            models.UniqueConstraint(fields=["requirement", "organisation"], name="deposits_one_account_per_bidder"),
        ]

    def __str__(self) -> str:
        return self.sub_account or f"#{self.pk}"


class Movement(AppendOnly):
    """One movement of a deposit's money (到账 / 应退 / 已退 / 转作价款 / 不予退还). Never changed, never deleted."""

    class Kind(models.TextChoices):
        ARRIVAL = "arrival", _("Arrived (到账)")
        REFUND_DUE = "refund_due", _("Refund due (应退)")
        REFUNDED = "refunded", _("Refunded (已退)")
        CONVERTED = "converted", _("Converted into the price (转作价款)")
        FORFEITED = "forfeited", _("Forfeited (不予退还)")

    account = models.ForeignKey(DepositAccount, verbose_name=_("deposit account"), on_delete=models.PROTECT,
                                related_name="movements")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    recorded_at = models.DateTimeField(_("recorded at"))
    arrived_at = models.DateTimeField(_("bank time"), null=True, blank=True,
                                      help_text=_("When the bank booked the money (arrivals and refunds)."))
    bank_reference = models.CharField(_("bank reference"), max_length=64, null=True, blank=True)
    notice_hash = models.CharField(_("notice fingerprint"), max_length=64, blank=True)
    payer_name = models.CharField(_("payer's account name"), max_length=200, blank=True)
    payer_account = models.CharField(_("payer's account number"), max_length=40, blank=True)
    interest = models.DecimalField(_("interest"), default=0, **MONEY,
                                   help_text=_("Bank interest paid with a refund (TL 57)."))
    due_on = models.DateField(_("refund due by"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(_("recorded through"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["account", "recorded_at", "pk"]
        verbose_name = _("deposit movement")
        verbose_name_plural = _("deposit movements")
        constraints = [
            models.UniqueConstraint(fields=["bank_reference"], condition=models.Q(kind="arrival"),
                                    name="deposits_arrival_reference_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="deposits_movement_amount_positive"),
        ]
        indexes = [models.Index(fields=["payer_account"], name="deposits_movement_payer")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Guarantee(AppendOnly):
    """An electronic guarantee (电子保函) standing in for the money, checked and recorded once."""

    account = models.ForeignKey(DepositAccount, verbose_name=_("deposit account"), on_delete=models.PROTECT,
                                related_name="guarantees")
    issuer = models.CharField(_("issuer"), max_length=40, help_text=_("Code from DEPOSITS_GUARANTEE_ISSUERS."))
    number = models.CharField(_("guarantee number"), max_length=64)
    amount = models.DecimalField(_("amount"), **MONEY)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    beneficiary = models.CharField(_("beneficiary"), max_length=200)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("recorded through"), max_length=120, blank=True)

    class Meta:
        ordering = ["account", "recorded_at"]
        verbose_name = _("electronic guarantee")
        verbose_name_plural = _("electronic guarantees")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], name="deposits_guarantee_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.number}"


class BankAdapter(models.Model):
    """A bank's system that reports arrivals through the API with a service token (``Authorization: Bank …``).

    Only the token's SHA-256 is stored; ``manage.py deposits_bank_adapter NAME`` prints a new token once.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    token_hash = models.CharField(_("token fingerprint"), max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank adapter")
        verbose_name_plural = _("bank adapters")

    def __str__(self) -> str:
        return self.name
