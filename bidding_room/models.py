"""The online opening (不见面开标): one session per section, its event log, bidders, commands, objections, record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """States of an opening session; bidding_room.machine holds every allowed step between them."""

    SCHEDULED = "scheduled", _("Scheduled (waiting for the bid deadline)")
    SIGN_IN = "sign_in", _("Sign-in (签到)")
    DECRYPTING = "decrypting", _("Decryption (解密)")
    PUBLISHED = "published", _("Results published (唱标)")
    CONFIRMING = "confirming", _("Confirmation and objections (确认与异议)")
    CLOSED = "closed", _("Closed")
    FAILED = "failed", _("Failed (流标)")


IN_PROGRESS = (State.SCHEDULED, State.SIGN_IN, State.DECRYPTING, State.PUBLISHED, State.CONFIRMING)
FINISHED = (State.CLOSED, State.FAILED)


class OpeningSession(models.Model):
    """The opening of one section. Its state lives here so it survives any web process."""

    section = models.OneToOneField("trading.Section", on_delete=models.PROTECT, related_name="opening")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SCHEDULED)
    opens_at = models.DateTimeField(_("opens at (bid deadline)"))
    decrypt_started_at = models.DateTimeField(_("decryption started at"), null=True, blank=True)
    decrypt_ends_at = models.DateTimeField(_("decryption window ends at"), null=True, blank=True)
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    confirm_ends_at = models.DateTimeField(_("objection window ends at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    failure_reason = models.TextField(_("why it failed"), blank=True)
    last_seq = models.PositiveIntegerField(default=0, editable=False)
    # Bumped whenever a bidder's status changes; the live snapshot loop sends a new snapshot when it moves.
    status_version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["opens_at", "pk"]
        verbose_name = _("opening session")
        verbose_name_plural = _("opening sessions")
        indexes = [models.Index(fields=["state", "opens_at"], name="opening_state_opens")]

    def __str__(self) -> str:
        return f"{self.section} ({self.get_state_display()})"

    @property
    def group(self) -> str:
        """The channel-layer group every client of this room joins."""
        return group_for(self.pk)


def group_for(session_id: int) -> str:
    """The channel-layer group of a room, known from its id alone (a client joins before its first read)."""
    return f"room.{session_id}"


class RoomEvent(models.Model):
    """One entry of a session's log; ``seq`` runs 1, 2, 3 ... without gaps within a session."""

    session = models.ForeignKey(OpeningSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="room_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.kind}"

    def as_message(self) -> dict:
        return {"type": "event", "seq": self.seq, "kind": self.kind, "payload": self.payload,
                "actor": self.actor_label, "at": self.at.isoformat()}


class RoomCommand(models.Model):
    """A command already applied, by its client-generated id: a retry gets the first answer back."""

    session = models.ForeignKey(OpeningSession, on_delete=models.CASCADE, related_name="commands")
    client_id = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32)
    result = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "client_id"], name="room_command_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.client_id} {self.action}"


class RoomBidder(models.Model):
    """One bid at the opening: sign-in, key release, decryption progress, confirmation."""

    class Decryption(models.TextChoices):
        WAITING = "waiting", _("Waiting for the key")
        RELEASED = "released", _("Key released, queued")
        DECRYPTING = "decrypting", _("Decrypting")
        DECRYPTED = "decrypted", _("Decrypted")
        FAILED = "failed", _("Decryption failed")
        NOT_DECRYPTED = "not_decrypted", _("Not decrypted (EB 31)")

    session = models.ForeignKey(OpeningSession, on_delete=models.CASCADE, related_name="bidders")
    bid = models.OneToOneField("trading.Bid", on_delete=models.PROTECT, related_name="room_entry")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    challenge = models.CharField(max_length=64, blank=True)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    signed_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    decryption = models.CharField(max_length=16, choices=Decryption.choices, default=Decryption.WAITING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    progress_at = models.DateTimeField(null=True, blank=True)  # last sign of life of its decryption
    key_released_at = models.DateTimeField(null=True, blank=True)
    decrypted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    bidder_fault = models.BooleanField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.organisation}"


class Objection(models.Model):
    """An objection (异议) raised in the room during the confirmation window, and the host's answer."""

    session = models.ForeignKey(OpeningSession, on_delete=models.CASCADE, related_name="objections")
    bidder = models.ForeignKey(RoomBidder, on_delete=models.PROTECT, related_name="objections")
    text = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.text[:40]}"


class OpeningRecord(models.Model):
    """The signed opening record (开标记录): a PDF, its SHA-256 and the platform's signature."""

    session = models.OneToOneField(OpeningSession, on_delete=models.PROTECT, related_name="record")
    content = models.JSONField(help_text="What the PDF shows, as data (compared across runs).")
    storage_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    signature = models.TextField(help_text="base64 signature of the platform key over the SHA-256")
    key_fingerprint = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"record {self.session_id} {self.sha256[:12]}"
