"""Custody of a project's opening key (k of n, Shamir): made at publication, combined only after the deadline.

When a project is published its opening key pair is made; bidders seal to the public half
(second recipient of every envelope). The private half is encrypted under a random key that
is split k-of-n (TRADING_CUSTODY_THRESHOLD of TRADING_CUSTODY_SHARES, default 2 of 3), each
share wrapped to one custodian's registered public key (sealing.key_split); the private key
itself is dropped. Custodians are the persons the project designates, or by default a person
of the host organisation (agency, else tenderer), a regulator and the platform security
officer (a platform admin), each with a registered key. Combining the shares — only for the
backup decryption of EB 31 — is refused before the deadline by the server clock, needs k
custodians' decrypted shares, and is recorded in the audit chain.

No share material leaves the server before the deadline: a custodian downloads its encrypted share only
after it (``custody_share_get``). Before it, a custodian proves it holds its key by opening a key check
(``custody_check_issue``/``custody_check_answer``: a random secret wrapped to its key exactly as a share is).
Stored shares are wrapped again under the platform's wrapping key (core.platform_key, outside the database), so
k custodians with a copy of the database still cannot open their shares early; docs/submission.md says what
trust remains.
"""

import base64
import binascii
import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import sealing
from accounts.models import Role, User
from audit.services import audit_record
from core.platform_key import platform_unwrap, platform_wrap, wrap_key_id

from ..models import BidderKey, Custodian, OpeningKey, Project, Status
from ..selectors import bidder_key_current, is_party


def custody_threshold() -> int:
    return getattr(settings, "TRADING_CUSTODY_THRESHOLD", 2)


def custody_share_count() -> int:
    return getattr(settings, "TRADING_CUSTODY_SHARES", 3)


def opening_suite() -> str:
    return getattr(settings, "SEALING_OPENING_SUITE", "intl")


def _keyed(users) -> list[tuple[User, BidderKey]]:
    found = []
    for user in users:
        key = bidder_key_current(user=user)
        if key is not None and key.suite == opening_suite():
            found.append((user, key))
    return found


def custodians_default(*, project: Project) -> list[User]:
    """The default custodians: a host person, a regulator and a platform security officer, each with a key."""
    host = project.host
    host_people = sorted(User.objects.filter(organisation=host, is_active=True),
                         key=lambda u: (u.pk != project.created_by_id, u.pk))
    regulators = sorted(User.objects.filter(role=Role.REGULATOR, is_active=True).select_related("organisation"),
                        key=lambda u: (getattr(u.organisation, "region", "") != project.region, u.pk))
    officers = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk")
    chosen: list[User] = []
    for group in (host_people, regulators, officers):
        keyed = [user for user, _key in _keyed(group) if user not in chosen]
        if keyed:
            chosen.append(keyed[0])
    return chosen


def custodians_of(*, project: Project) -> list[User]:
    designated = [c.user for c in project.custodians.select_related("user").order_by("position")]
    return designated or custodians_default(project=project)


def custody_problems(*, project: Project) -> list[str]:
    """Why the opening key could not be split now (empty when it can): part of the publish guard."""
    threshold, count = custody_threshold(), custody_share_count()
    designated = list(project.custodians.select_related("user").order_by("position"))
    suite = opening_suite()
    if designated:
        missing = [str(c.user.display_name or c.user.username) for c in designated
                   if (k := bidder_key_current(user=c.user)) is None or k.suite != suite]
        if missing:
            return [_("The opening-key custodians %(names)s have no registered %(suite)s public key; ask them to "
                      "register one on their Keys page, or designate other custodians.")
                    % {"names": ", ".join(missing), "suite": suite}]
        if len(designated) < max(threshold, 2):
            return [_("Designate at least %(k)d opening-key custodians (%(k)d of them are needed to recover it).")
                    % {"k": max(threshold, 2)}]
        return []
    chosen = custodians_default(project=project)
    if len(chosen) < count:
        return [_("The opening key is split among %(n)d custodians (a person of the agency or tenderer, a regulator "
                  "and the platform security officer), each with a registered %(suite)s public key; only %(found)d "
                  "have one. Ask them to register their key (Keys page), or designate the custodians.")
                % {"n": count, "suite": suite, "found": len(chosen)}]
    return []


@transaction.atomic
def custodians_designate(*, project: Project, user, usernames: list[str]) -> list[Custodian]:
    """The tenderer or agency names the custodians of a draft project's opening key (each needs a registered key)."""
    if not is_party(user=user, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency designates the custodians."))
    project = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    if project.status != Status.DRAFT:
        raise ValidationError({"custodians": _("Custodians are designated before publication; the opening key of "
                                               "this project already exists.")})
    names = [n.strip() for n in usernames if n and n.strip()]
    if len(set(names)) != len(names):
        raise ValidationError({"custodians": _("A custodian is named twice; each share goes to a different person.")})
    if len(names) < max(custody_threshold(), 2):
        raise ValidationError({"custodians": _("Name at least %(k)d custodians.") % {"k": max(custody_threshold(), 2)}})
    people = []
    for name in names:
        person = User.objects.filter(username=name, is_active=True).first()
        if person is None:
            raise ValidationError({"custodians": _("Nobody is registered as “%(name)s”.") % {"name": name}})
        key = bidder_key_current(user=person)
        if key is None or key.suite != opening_suite():
            raise ValidationError({"custodians": _("%(name)s has no registered %(suite)s public key; ask them to "
                                                   "register one first.") % {"name": name, "suite": opening_suite()}})
        people.append(person)
    project.custodians.all().delete()
    rows = [Custodian.objects.create(project=project, user=person, position=n) for n, person in enumerate(people, 1)]
    audit_record(action="trading.custody.designate", obj=project, payload={
        "deal_code": project.deal_code, "custodians": names})
    return rows


def opening_key_create(*, project: Project) -> OpeningKey:
    """Make the project's opening key pair and split its private half among the custodians (called on publish).

    Runs inside the publish transition; the whole private key exists only in this call's memory.
    """
    problems = custody_problems(project=project)
    if problems:
        raise ValidationError({"custodians": " ".join(problems)})
    people = custodians_of(project=project)
    keys = [bidder_key_current(user=person) for person in people]
    threshold = min(custody_threshold(), len(people))
    private = sealing.keypair_generate(opening_suite())
    sealed, shares = sealing.key_split(private, [sealing.public_key_load(k.public_key_pem) for k in keys],
                                       threshold=threshold)
    del private
    now = timezone.now()
    OpeningKey.objects.filter(project=project).delete()
    opening = OpeningKey.objects.create(
        project=project, suite=sealed.public_key.suite, public_key_pem=sealed.public_key.pem(),
        fingerprint=sealed.public_key.fingerprint, sealed_key=sealed.to_dict(), threshold=threshold,
        share_count=len(people), created_at=now)
    project.custodians.all().delete()
    for position, (person, key, share) in enumerate(zip(people, keys, shares, strict=True), start=1):
        custodian = Custodian(project=project, user=person, position=position, key_fingerprint=key.fingerprint)
        custodian.share = share_wrap(custodian, share.to_dict())
        custodian.save()
    audit_record(action="trading.custody.create", obj=opening, payload={
        "deal_code": project.deal_code, "fingerprint": opening.fingerprint, "threshold": threshold,
        "custodians": [{"user": p.username, "key": k.fingerprint} for p, k in zip(people, keys, strict=True)]})
    return opening


def _share_context(custodian: Custodian) -> bytes:
    return f"custodian share {custodian.project_id}:{custodian.position}:{custodian.user_id}".encode()


def share_wrap(custodian: Custodian, share: dict) -> dict:
    """The stored form of a custodian's share: its index in clear, the encrypted share wrapped by the platform key."""
    return {"version": 2, "index": share["index"], "custodian": share["custodian"], "wrap_key": wrap_key_id(),
            "wrapped_share": platform_wrap(json.dumps(share, sort_keys=True).encode(),
                                           context=_share_context(custodian))}


def share_unwrap(custodian: Custodian) -> dict:
    """The custodian's encrypted share (sealing.EncryptedShare.to_dict()) as stored, unwrapped; no deadline check."""
    stored = custodian.share or {}
    if "wrapped_share" not in stored:  # made before shares were wrapped (migration 0008 wraps those)
        return stored
    return json.loads(platform_unwrap(stored["wrapped_share"], context=_share_context(custodian)))


def _deadline_passed(project: Project) -> bool:
    return project.bid_deadline is not None and timezone.now() >= project.bid_deadline


def _refuse_before_deadline(project: Project) -> None:
    if not _deadline_passed(project):
        raise ValidationError({"shares": _(
            "The opening key cannot be recovered before the bid deadline (%(deadline)s, server clock): until then "
            "nobody may read a bid.") % {"deadline": _deadline_text(project)}})


def _my_custody(project: Project, user) -> Custodian:
    custodian = project.custodians.filter(user=user).exclude(share=None).first()
    if custodian is None:
        raise PermissionDenied(_("You are not a custodian of this project's opening key."))
    return custodian


def custody_share_get(*, project: Project, user) -> dict:
    """A custodian's encrypted share, to decrypt with its own key: only once the bid deadline has passed; audited."""
    custodian = _my_custody(project, user)
    if not _deadline_passed(project):
        raise PermissionDenied(_(
            "Your share of the opening key is handed out only after the bid deadline (%(deadline)s, server clock): "
            "until then no share leaves the platform. To check now that your key works, use the key check on the "
            "project page.") % {"deadline": _deadline_text(project)})
    share = share_unwrap(custodian)
    audit_record(action="trading.custody.share_get", obj=custodian, payload={
        "deal_code": project.deal_code, "index": custodian.share["index"], "custodian": user.username})
    return share


def _deadline_text(project: Project) -> str:
    return timezone.localtime(project.bid_deadline).strftime("%Y-%m-%d %H:%M:%S") if project.bid_deadline else "—"


@transaction.atomic
def custody_check_issue(*, project: Project, user) -> dict:
    """A key check for a custodian (any time): a fresh random secret wrapped to its registered key, as a share is.

    Opened on the project page (static/js/sealing.js ``shareDecrypt``) or with ``python -m sealing share-decrypt``,
    then answered with ``custody_check_answer``. Nothing of the share is in it.
    """
    custodian = _my_custody(project, user)
    key = bidder_key_current(user=user)
    if key is None or key.fingerprint != custodian.key_fingerprint:
        raise ValidationError({"check": _(
            "Your share was made for the key %(fingerprint)s, which is no longer your registered key: only that key "
            "can open it. Find that key file; if it is lost, tell the project's host at once.")
            % {"fingerprint": custodian.key_fingerprint[:16] + "…"}})
    challenge, secret = sealing.challenge_make(sealing.public_key_load(key.public_key_pem))
    custodian = Custodian.objects.select_for_update(no_key=True).get(pk=custodian.pk)
    custodian.check_challenge = challenge.to_dict()
    custodian.check_secret_sha256 = hashlib.sha256(secret).hexdigest()
    custodian.save(update_fields=["check_challenge", "check_secret_sha256"])
    audit_record(action="trading.custody.check_issue", obj=custodian, payload={
        "deal_code": project.deal_code, "custodian": user.username, "key": key.fingerprint})
    return custodian.check_challenge


@transaction.atomic
def custody_check_answer(*, project: Project, user, answer) -> Custodian:
    """The custodian hands back its opened key check; right → its key is proven (time recorded and audited)."""
    custodian = Custodian.objects.select_for_update(no_key=True).get(pk=_my_custody(project, user).pk)
    if not custodian.check_challenge:
        raise ValidationError({"answer": _("Download a key check first, then open it with your key.")})
    try:
        opened = share_parse(answer) if isinstance(answer, dict) else None
    except ValidationError:
        opened = None
    if opened is None:
        raise ValidationError({"answer": _("This is not an opened key check. Open it with your key file on the "
                                           "project page, or choose the file the bidder tool wrote when it opened "
                                           "it.")})
    if opened.key_id != custodian.check_challenge.get("key_id"):
        raise ValidationError({"answer": _("This is not the answer to your latest key check (or it is a share); "
                                           "open the key check you downloaded last.")})
    if not hmac.compare_digest(hashlib.sha256(opened.secret).hexdigest(), custodian.check_secret_sha256):
        audit_record(action="trading.custody.check_failed", obj=custodian, payload={
            "deal_code": project.deal_code, "custodian": user.username})
        raise ValidationError({"answer": _("The key check was not opened with your key: this answer is wrong.")})
    custodian.key_proven_at = timezone.now()
    custodian.check_challenge = None
    custodian.check_secret_sha256 = ""
    custodian.save(update_fields=["key_proven_at", "check_challenge", "check_secret_sha256"])
    audit_record(action="trading.custody.check_passed", obj=custodian, payload={
        "deal_code": project.deal_code, "custodian": user.username, "key": custodian.key_fingerprint})
    return custodian


def share_parse(data) -> sealing.Share:
    """A decrypted share from its JSON form ``{"key_id", "index", "threshold", "secret": hex}`` (or a Share)."""
    if isinstance(data, sealing.Share):
        return data
    try:
        secret = data["secret"]
        raw = bytes.fromhex(secret) if len(secret) == 32 else base64.b64decode(secret, validate=True)
        share = sealing.Share(key_id=str(data["key_id"]), index=int(data["index"]), threshold=int(data["threshold"]),
                              secret=raw)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise ValidationError({"shares": _("This is not an opened share. Open your share with your key file on the "
                                           "project page, or choose the file the bidder tool wrote when it opened "
                                           "it.")})
    if len(share.secret) != 16:
        raise ValidationError({"shares": _("A decrypted share holds 16 secret bytes; this one does not.")})
    return share


@transaction.atomic
def custody_share_submit(*, project: Project, user, share) -> Custodian:
    """A custodian hands in its decrypted share for a backup decryption (only after the deadline)."""
    project = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    custodian = project.custodians.filter(user=user).first()
    if custodian is None or custodian.share is None:
        raise PermissionDenied(_("You are not a custodian of this project's opening key."))
    _refuse_before_deadline(project)
    parsed = share_parse(share)
    opening = project.opening_key
    if parsed.key_id != opening.fingerprint or parsed.index != custodian.share["index"]:
        raise ValidationError({"shares": _("This share is not yours for this project's opening key; decrypt the "
                                           "share the platform gave you for this project.")})
    custodian.submitted_secret = parsed.secret.hex()
    custodian.submitted_at = timezone.now()
    custodian.save(update_fields=["submitted_secret", "submitted_at"])
    audit_record(action="trading.custody.share_submit", obj=custodian, payload={
        "deal_code": project.deal_code, "index": parsed.index, "custodian": user.username})
    return custodian


def shares_submitted(*, project: Project) -> list[sealing.Share]:
    """The decrypted shares custodians handed in (after the deadline)."""
    opening = getattr(project, "opening_key", None)
    if opening is None:
        return []
    return [sealing.Share(opening.fingerprint, c.share["index"], opening.threshold, bytes.fromhex(c.submitted_secret))
            for c in project.custodians.exclude(submitted_secret="") if c.share]


def opening_key_recover(*, project: Project, shares: list) -> sealing.PrivateKey:
    """Combine k custodians' shares into the opening private key: refused before the deadline; audited.

    The key is returned to the caller (the backup decryption) and never stored.
    """
    _refuse_before_deadline(project)
    opening = getattr(project, "opening_key", None)
    if opening is None:
        raise ValidationError({"shares": _("This project has no opening key (it was never published).")})
    parsed = [share_parse(s) for s in shares]
    indexes = {s.index for s in parsed}
    if len(indexes) < opening.threshold:
        raise ValidationError({"shares": _("%(k)d different custodians' shares are needed to recover the opening "
                                           "key; %(n)d given. Ask another custodian to hand in its share.")
                               % {"k": opening.threshold, "n": len(indexes)}})
    try:
        private = sealing.key_combine(sealing.SealedKey.from_dict(opening.sealed_key), parsed)
    except sealing.CustodyError as exc:
        raise ValidationError({"shares": str(exc)})
    audit_record(action="trading.custody.combine", obj=opening, payload={
        "deal_code": project.deal_code, "indexes": sorted(indexes)})
    return private
