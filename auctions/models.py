"""Land, mining-right and state-property sales (出让/转让): a sale, its lots, applications, quotes and each lot's log.

A lot's money is Decimal yuan with two places. Every time is the server's. A lot's state lives here, so the live
hall of any Daphne process (or one restarted after a crash) serves it as it is.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


class Subject(models.TextChoices):
    """What is sold; its statistics category follows (land and mining rights together, state property apart)."""

    LAND = "land", _("State-owned construction land use right (国有建设用地使用权)")
    MINING = "mining", _("Mining right (矿业权)")
    PROPERTY = "property", _("State property rights (国有产权)")


SUBJECT_CATEGORY = {Subject.LAND: "land", Subject.MINING: "land", Subject.PROPERTY: "property"}


class Kind(models.TextChoices):
    GRANT = "grant", _("Grant (出让)")
    TRANSFER = "transfer", _("Transfer (转让)")


class Method(models.TextChoices):
    LISTING = "listing", _("Listing (挂牌)")
    AUCTION = "auction", _("Auction (拍卖)")


class Sale(models.Model):
    """One sale announced by one notice, run by the seller or its agency; one or more lots."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ANNOUNCED = "announced", _("Notice published")
        SUSPENDED = "suspended", _("Suspended by the regulator")
        FINISHED = "finished", _("Finished")

    deal_code = models.CharField(_("deal code (统一交易标识码)"), max_length=24, unique=True, blank=True, null=True)
    title = models.CharField(_("title"), max_length=200)
    subject = models.CharField(_("what is sold"), max_length=16, choices=Subject.choices)
    kind = models.CharField(_("grant or transfer"), max_length=16, choices=Kind.choices, default=Kind.GRANT)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, default=Method.LISTING)
    region = models.CharField(_("region"), max_length=6)
    seller = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="sales_as_seller",
                               verbose_name=_("seller (出让人/转让方)"))
    agency = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="sales_as_agency",
                               null=True, blank=True, verbose_name=_("agency"))
    reserve_official = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("official who enters the reserve prices"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    notice_text = models.TextField(_("notice"), blank=True)
    notice_published_at = models.DateTimeField(_("notice published at"), null=True, blank=True)
    starts_at = models.DateTimeField(_("listing or auction starts at"))
    listing_ends_at = models.DateTimeField(_("listing ends at"), null=True, blank=True)
    application_deadline = models.DateTimeField(_("applications and deposits by"))
    # The reserve prices are sealed to this key (docs/auctions.md "Reserve price"); its private half is kept
    # encrypted in a file outside the database and used only by ``reserve_open`` at a lot's close.
    reserve_key_pem = models.TextField(blank=True)
    reserve_key_fingerprint = models.CharField(max_length=64, blank=True)
    suspended_reason = models.TextField(blank=True)
    key_files_allowed = models.BooleanField(
        _("key files allowed"), default=True,
        help_text=_("Unticked, a bidder signs in to the hall with a certificate from a CA the platform accepts "
                    "before it may bid (docs/certificates.md)."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("sale")
        verbose_name_plural = _("sales")

    def __str__(self) -> str:
        return self.title

    @property
    def category(self) -> str:
        return SUBJECT_CATEGORY[self.subject]

    @property
    def host(self):
        """The organisation that runs the sale: its agency, else the seller."""
        return self.agency or self.seller


class Lot(models.Model):
    """One lot (宗地/标的): prices, its reserve sealed until the close, and where its bidding stands."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for the start")
        LISTING = "listing", _("Listing (挂牌)")
        LIVE = "live", _("Live bidding (限时竞价/拍卖)")
        SOLD = "sold", _("Sold (成交)")
        PENDING_APPROVAL = "pending_approval", _("Pending approval (below 90 percent of the valuation)")
        NO_DEAL = "no_deal", _("No deal (流拍)")
        REFUSED = "refused", _("The winner refused the deal (deposit forfeited)")
        SUSPENDED = "suspended", _("Suspended")

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot number"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starting_price = models.DecimalField(_("starting price (起始价)"), **MONEY)
    increment = models.DecimalField(_("increment (加价幅度)"), **MONEY)
    deposit = models.DecimalField(_("deposit (竞买保证金)"), **MONEY)
    valuation = models.DecimalField(_("valuation (评估值)"), null=True, blank=True, **MONEY)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.WAITING)
    reserve_envelope = models.BinaryField(null=True, blank=True, editable=False)
    reserve_sealed_at = models.DateTimeField(_("reserve sealed at"), null=True, blank=True)
    reserve_opened_at = models.DateTimeField(_("reserve opened at"), null=True, blank=True)
    reserve_price = models.DecimalField(_("reserve price (底价)"), null=True, blank=True, **MONEY)
    current_price = models.DecimalField(_("current price"), null=True, blank=True, **MONEY)
    leading = models.ForeignKey("Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    live_started_at = models.DateTimeField(null=True, blank=True)
    live_ends_at = models.DateTimeField(_("countdown ends at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_reason = models.TextField(blank=True)
    deal_price = models.DecimalField(_("deal price"), null=True, blank=True, **MONEY)
    confirmed_at = models.DateTimeField(_("deal confirmation (成交确认书) signed at"), null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["sale", "number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [models.UniqueConstraint(fields=["sale", "number"], name="auction_lot_number_unique")]

    def __str__(self) -> str:
        return f"{self.sale} #{self.number}"

    @property
    def deal_key(self) -> str:
        return f"{self.sale.deal_code}-{self.number}"

    @property
    def group(self) -> str:
        return hall_group(self.pk)


def hall_group(lot_id: int) -> str:
    """The channel-layer group of a lot's live hall, known from its id alone."""
    return f"hall.{lot_id}"


FINISHED = (Lot.State.SOLD, Lot.State.NO_DEAL, Lot.State.PENDING_APPROVAL, Lot.State.REFUSED)


class Application(models.Model):
    """A bidder's application (竞买申请) for one lot; the bidding right and its anonymous 竞买号 follow the deposit."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        QUALIFIED = "qualified", _("Qualified")
        REJECTED = "rejected", _("Rejected")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.SUBMITTED)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    bidder_number = models.CharField(_("bidder number (竞买号)"), max_length=12, blank=True)
    right_granted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lot", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "organisation"], name="auction_application_once"),
            models.UniqueConstraint(fields=["lot", "bidder_number"], condition=~models.Q(bidder_number=""),
                                    name="auction_bidder_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.lot}: {self.bidder_number or self.organisation_id}"


class Quote(models.Model):
    """One accepted bid (报价), in the listing or the live hall. Irrevocable: never changed, never deleted."""

    class Phase(models.TextChoices):
        LISTING = "listing", _("Listing (挂牌)")
        LIVE = "live", _("Live bidding (限时竞价/拍卖)")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="quotes")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="quotes")
    amount = models.DecimalField(**MONEY)
    phase = models.CharField(max_length=8, choices=Phase.choices)
    at = models.DateTimeField()
    seq = models.PositiveIntegerField(help_text="The lot log's seq of its 'bid' event.")

    class Meta:
        ordering = ["lot", "seq"]
        constraints = [models.UniqueConstraint(fields=["lot", "amount"], name="auction_quote_amount_unique")]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("A quote is irrevocable: it cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A quote is irrevocable: it cannot be deleted."))


class LotEvent(models.Model):
    """One entry of a lot's public log; ``seq`` runs 1, 2, 3 … without gaps. Bidders appear by 竞买号 only."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    payload = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        ordering = ["lot", "seq"]
        constraints = [models.UniqueConstraint(fields=["lot", "seq"], name="auction_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.lot_id}#{self.seq} {self.kind}"

    def as_message(self) -> dict:
        return {"type": "event", "seq": self.seq, "kind": self.kind, "payload": self.payload,
                "at": self.at.isoformat()}


class LotCommand(models.Model):
    """A hall command already applied, by its client id: a retry gets the first answer back."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="commands")
    client_id = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    result = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot", "client_id"], name="auction_command_once")]

    def __str__(self) -> str:
        return f"{self.lot_id}:{self.client_id}"


class LotDocument(models.Model):
    """A signed result document of a lot: the 网上竞得证明 at the close, the 成交确认书 when the winner signs."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Online winning certificate (网上竞得证明)")
        CONFIRMATION = "confirmation", _("Deal confirmation (成交确认书)")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    content = models.JSONField(help_text="What the PDF shows, as data.")
    storage_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["lot", "kind"]
        constraints = [models.UniqueConstraint(fields=["lot", "kind"], name="auction_document_once")]

    def __str__(self) -> str:
        return f"{self.lot} {self.kind} {self.sha256[:12]}"
