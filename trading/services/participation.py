"""Bidders registering for a section and signing the credit commitment; tender documents and their downloads."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from audit.context import current_actor
from audit.services import audit_record
from credit.selectors import organisation_refusal

from .. import storage
from ..bonds import bond_account_open
from ..models import DocumentDownload, Project, Registration, Section, Status, TenderDocument
from ..selectors import is_party

COMMITMENT_TEXT = gettext_lazy(
    "Credit commitment (信用承诺书): We undertake that everything we submit in this procedure is true, complete and "
    "lawful; that we will not collude with other bidders, the tenderer or the agency, bid in another's name, offer "
    "bribes or otherwise obstruct fair competition; that we are not under any restriction on bidding; and that any "
    "breach may be recorded in our credit file and punished under the law, including disqualification from bidding."
)


def commitment_text() -> str:
    """The commitment shown to the bidder and stored with its signature, in the current language."""
    return str(COMMITMENT_TEXT)


def _require_bidder(user) -> None:
    if user.role != Role.BIDDER or user.organisation_id is None:
        raise PermissionDenied(_("Only a person acting for a bidder organisation can do this."))


def _refuse_blacklisted(organisation, field: str = "organisation") -> None:
    refusal = organisation_refusal(organisation=organisation)
    if refusal is not None:
        raise ValidationError({field: refusal.message}, code="blacklisted")


@transaction.atomic
def registration_create(*, section: Section, user) -> Registration:
    """Register the user's bidder organisation for ``section`` while the project accepts bids; a section that asks
    for a bid bond gives the bidder its virtual sub-account (trading.bonds)."""
    _require_bidder(user)
    project = Project.objects.select_for_update(no_key=True).get(pk=section.project_id)
    if project.status != Status.PUBLISHED or timezone.now() >= project.bid_deadline:
        raise ValidationError({"section": _("Registration is open only while the project accepts bids, before the "
                                            "bid deadline.")})
    _refuse_blacklisted(user.organisation)
    if Registration.objects.filter(section=section, organisation=user.organisation).exists():
        raise ValidationError({"section": _("Your organisation is already registered for this section.")})
    try:
        with transaction.atomic():
            registration = Registration.objects.create(section=section, organisation=user.organisation,
                                                       registered_by=user, registered_at=timezone.now())
    except IntegrityError:
        raise ValidationError({"section": _("Your organisation is already registered for this section.")})
    audit_record(action="trading.registration.create", obj=registration, payload={
        "deal_code": project.deal_code, "section": section.code, "bidder": user.organisation.credit_code},
        sealed_until=project.bid_deadline)
    bond_account_open(registration)  # the section's bid bond, if it asks for one: the bidder's sub-account
    return registration


@transaction.atomic
def registration_sign_commitment(*, registration: Registration, user, accepted: bool) -> Registration:
    """Sign the credit commitment (信用承诺); the text signed is stored with the signature."""
    _require_bidder(user)
    registration = Registration.objects.select_for_update(no_key=True).get(pk=registration.pk)
    if registration.organisation_id != user.organisation_id:
        raise PermissionDenied(_("This registration belongs to another organisation."))
    if not accepted:
        raise ValidationError({"accepted": _("Read the commitment and tick the box to sign it.")})
    if registration.commitment_signed:
        raise ValidationError({"accepted": _("The commitment is already signed.")})
    registration.commitment_text = commitment_text()
    registration.commitment_signed_at = timezone.now()
    registration.commitment_signed_by = user
    registration.save(update_fields=["commitment_text", "commitment_signed_at", "commitment_signed_by"])
    audit_record(action="trading.registration.commitment_sign", obj=registration, payload={
        "deal_code": registration.section.project.deal_code, "section": registration.section.code,
        "bidder": user.organisation.credit_code, "text": registration.commitment_text},
        sealed_until=registration.section.project.bid_deadline)
    return registration


@transaction.atomic
def document_upload(*, project: Project, user, upload) -> TenderDocument:
    """Store a tender document (招标文件) of a draft or published project; by the tenderer or its agency."""
    project = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    if not is_party(user=user, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency uploads tender documents."))
    if project.status not in (Status.DRAFT, Status.PUBLISHED):
        raise ValidationError({"file": _("Tender documents are uploaded before the bid deadline.")})
    stored = storage.store(upload, folder=f"documents/{project.deal_code}",
                           max_bytes=getattr(settings, "TRADING_DOCUMENT_MAX_BYTES", 100 * 1024 * 1024))
    try:
        document = TenderDocument.objects.create(
            project=project, name=(getattr(upload, "name", "") or "document")[:200],
            storage_path=stored.relative_path, size=stored.size, sha256=stored.sha256,
            uploaded_by=user, uploaded_at=timezone.now())
        audit_record(action="trading.document.upload", obj=document, payload={
            "deal_code": project.deal_code, "name": document.name, "sha256": stored.sha256, "size": stored.size})
    except BaseException:
        storage.protected_path(stored.relative_path).unlink(missing_ok=True)
        raise
    return document


def documents_may_download(*, user, project: Project) -> bool:
    """EB 23: any logged-in market subject (a person of a bidder, tenderer or agency) downloads a published project's
    documents, with no registration or other precondition; the parties and regulators too (drafts: parties only)."""
    if is_party(user=user, project=project):
        return True
    if project.status == Status.DRAFT or not user.is_authenticated:
        return False
    return user.role == Role.REGULATOR or (
        user.role in (Role.BIDDER, Role.TENDERER, Role.AGENCY) and user.organisation_id is not None)


@transaction.atomic
def document_download(*, document: TenderDocument, user) -> DocumentDownload:
    """Record a download of a tender document (EB 23: recorded, not permitted; see documents_may_download)."""
    if not documents_may_download(user=user, project=document.project):
        raise PermissionDenied(_("Log in as a person of a bidder, tenderer or agency organisation to download the "
                                 "tender documents."))
    download = DocumentDownload.objects.create(
        document=document, organisation=user.organisation if user.role == Role.BIDDER else None, user=user,
        downloaded_at=timezone.now(), ip_address=current_actor().ip_address)
    audit_record(action="trading.document.download", obj=document, payload={
        "deal_code": document.project.deal_code, "document": document.name, "sha256": document.sha256},
        sealed_until=document.project.bid_deadline)
    return download
