"""Candidates, awards and contracts: the facts statistics read."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .projects import BaseType


class Candidate(models.Model):
    """A ranked candidate (中标候选人) of one section; entered by the host until expert evaluation feeds it."""

    section = models.ForeignKey("trading.Section", on_delete=models.CASCADE, related_name="candidates")
    rank = models.PositiveSmallIntegerField(_("rank"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    bid = models.ForeignKey("trading.Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("bid price (yuan)"), max_digits=16, decimal_places=2)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["section", "rank"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.UniqueConstraint(fields=["section", "rank"], name="candidate_unique_rank"),
            models.UniqueConstraint(fields=["section", "organisation"], name="candidate_unique_org"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.organisation}"


class Award(models.Model):
    """The result of one section (中标/成交): winner and price, with the base it is measured against.

    ``base_amount`` and ``base_type`` are copied from the section at award time so
    that savings (节约资金 = base − award, 节资率) and premium (溢价 = deal − starting
    price, 溢价率) stay derivable even if the section were ever corrected.
    """

    # The live award of a section. A refused award (the winner refused it or the contract, TL 74) keeps its
    # row with ``section`` cleared and ``refused_section`` set, so ``section.award`` is always the live one and
    # statistics that go through the section never count a refused award.
    section = models.OneToOneField("trading.Section", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="award")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="awards")
    bid = models.ForeignKey("trading.Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("award amount / deal price (yuan)"), max_digits=16, decimal_places=2)
    base_amount = models.DecimalField(_("base amount (yuan)"), max_digits=16, decimal_places=2)
    base_type = models.CharField(_("base type"), max_length=16, choices=BaseType.choices)
    awarded_at = models.DateTimeField(_("awarded at"))
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    refused_section = models.ForeignKey("trading.Section", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="refused_awards")
    refusal = models.CharField(_("refused"), max_length=10, blank=True, choices=[
        ("award", _("The winner refused the award")), ("contract", _("The winner refused to sign the contract")),
        ("voided", _("Declared void by a regulator (中标无效)"))])
    refusal_reason = models.TextField(_("refusal recorded as"), blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)

    class Meta:
        ordering = ["-awarded_at"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=Decimal("0")), name="award_positive"),
            models.CheckConstraint(
                condition=models.Q(section__isnull=False, refused_at__isnull=True)
                | models.Q(section__isnull=True, refused_section__isnull=False, refused_at__isnull=False),
                name="award_live_or_refused"),
        ]

    def __str__(self) -> str:
        return f"{self.section or self.refused_section}: {self.organisation} {self.amount}"

    @property
    def of_section(self):
        """The section of this award, live or refused."""
        return self.section or self.refused_section


class Contract(models.Model):
    """The contract signed for an award (合同)."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    signed_on = models.DateField(_("signed on"))
    amount = models.DecimalField(_("contract amount (yuan)"), max_digits=16, decimal_places=2)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    # Termination (合同终止, 《政府采购法》第五十条; 《民法典》第五百六十二条、第五百六十三条): the day it ends, why,
    # and who recorded it when. Open data publishes it (contractTermination) once recorded.
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    terminated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    terminated_at = models.DateTimeField(_("termination recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["-signed_on"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.award.section}: {self.amount} ({self.signed_on})"
