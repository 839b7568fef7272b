"""The REST API of sealed bids under /api/trading/: keys, tokens, the platform and opening keys, resumable uploads,
receipts, key release and custodians' shares. Parse, check permission, call one service."""

import base64
import binascii

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.throttling import UploadThrottle, with_scope
from audit.context import Actor, acting_as
from audit.services import audit_record

from .api import service_errors
from .client import client_info
from .models import Bid, Project, Section, Status, UploadSession
from .selectors import bidder_key_current
from .services import bids, custody, keys, opening, uploads

KeySerializer = inline_serializer("PublicKey", {
    "suite": serializers.CharField(), "fingerprint": serializers.CharField(), "public_key": serializers.CharField(),
    "registered_at": serializers.DateTimeField()})
PlatformKeySerializer = inline_serializer("PlatformKey", {
    "suite": serializers.CharField(), "fingerprint": serializers.CharField(), "public_key": serializers.CharField()})
PEM = {(200, "application/x-pem-file"): OpenApiTypes.STR}


class TokenInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class KeyInSerializer(serializers.Serializer):
    public_key = serializers.CharField(max_length=20_000, help_text="PEM")


class CertificateInSerializer(serializers.Serializer):
    certificate = serializers.CharField(max_length=64_000, required=False, allow_blank=True,
                                        help_text="the certificate as PEM text, or its DER as base64")
    certificate_file = serializers.FileField(required=False, help_text="the .cer/.crt/.pem/.der file (multipart)")


CertificateSerializer = inline_serializer("Certificate", {
    "subject": serializers.CharField(), "issuer": serializers.CharField(), "serial": serializers.CharField(),
    "not_before": serializers.DateTimeField(), "not_after": serializers.DateTimeField(),
    "credit_code": serializers.CharField(), "person_code": serializers.CharField(), "sha256": serializers.CharField(),
    "fingerprint": serializers.CharField(),
    "suite": serializers.CharField(help_text="the certificate's key: intl (ECDSA P-256) or gm (SM2)"),
    "registered_at": serializers.DateTimeField(), "valid": serializers.BooleanField(),
    "problem": serializers.CharField()})


class CustodiansInSerializer(serializers.Serializer):
    usernames = serializers.ListField(child=serializers.CharField(max_length=150), max_length=50)


class UploadInSerializer(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, max_value=2**53, help_text="bytes")
    file_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReleaseInSerializer(serializers.Serializer):
    content_key = serializers.CharField(max_length=1000, help_text="base64")


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
UploadSerializer = inline_serializer("UploadStatus", {
    "id": serializers.CharField(), "size": serializers.IntegerField(), "offset": serializers.IntegerField(),
    "state": serializers.CharField(), "bid": serializers.IntegerField(allow_null=True)})


def _key_data(key) -> dict | None:
    if key is None:
        return None
    return {"suite": key.suite, "fingerprint": key.fingerprint, "public_key": key.public_key_pem,
            "registered_at": key.registered_at.isoformat()}


@extend_schema(request=TokenInSerializer, responses=inline_serializer("TokenOut", {"token": serializers.CharField()}))
@api_view(["POST"])
@permission_classes([AllowAny])
def token_obtain(request):
    """Exchange a username and password for an API token (header ``Authorization: Token <token>``)."""
    data = _valid(TokenInSerializer, request)
    user = authenticate(request._request, username=data["username"], password=data["password"])
    if user is None or not user.is_active:
        return Response({"errors": {"detail": ["Wrong username or password."]}}, status=status.HTTP_400_BAD_REQUEST)
    token, created = Token.objects.get_or_create(user=user)
    if created:
        with acting_as(Actor(label=user.get_username(), source="api", user=user)):
            audit_record(action="accounts.token.issue", obj=user, payload={"user": user.username})
    return Response({"token": token.key})


@extend_schema(request=KeyInSerializer, responses={200: KeySerializer, 201: KeySerializer})
@api_view(["GET", "POST"])
@service_errors
def my_key(request):
    """GET your registered public key (404 if none). POST ``public_key`` (PEM) to register or replace it."""
    if request.method == "POST":
        key = keys.bidder_key_register(user=request.user, public_key_pem=_valid(KeyInSerializer, request)["public_key"])
        return Response(_key_data(key), status=status.HTTP_201_CREATED)
    key = bidder_key_current(user=request.user)
    if key is None:
        return Response({"detail": "You have no registered key."}, status=status.HTTP_404_NOT_FOUND)
    return Response(_key_data(key))


def _certificate_bytes(data: dict) -> bytes:
    upload = data.get("certificate_file")
    if upload is not None:
        return upload.read(64 * 1024)
    text = (data.get("certificate") or "").strip()
    if text and "-----BEGIN" not in text:
        try:  # DER sent as base64
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            pass  # not base64: certificate_check says it is not a certificate
    return text.encode("utf-8")


def _certificate_data(key) -> dict:
    from .services.certificates import certificate_summary

    problem = ""
    try:
        keys.certificate_still_valid(key=key)
    except DjangoValidationError as exc:
        problem = " ".join(exc.messages)
    summary = certificate_summary(key.certificate_pem)
    return {**summary, "not_before": summary["not_before"].isoformat(), "not_after": summary["not_after"].isoformat(),
            "fingerprint": key.fingerprint, "suite": key.suite, "registered_at": key.registered_at.isoformat(),
            "valid": not problem,
            "problem": problem}


@extend_schema(request={"multipart/form-data": CertificateInSerializer, "application/json": CertificateInSerializer},
               responses={200: CertificateSerializer, 201: CertificateSerializer})
@api_view(["GET", "POST"])
@service_errors
def my_certificate(request):
    """GET your registered certificate (404 if none), with whether it is still valid. POST ``certificate`` (PEM, or
    DER in base64) or a ``certificate_file`` upload to register it as your signing identity (docs/certificates.md):
    refused with the reason (expired, revoked, a CA the platform does not accept, another organisation's, not a
    certificate, a key neither SM2 nor P-256)."""
    if request.method == "POST":
        key = keys.certificate_register(user=request.user,
                                        certificate_pem=_certificate_bytes(_valid(CertificateInSerializer, request)))
        return Response(_certificate_data(key), status=status.HTTP_201_CREATED)
    key = bidder_key_current(user=request.user)
    if key is None or not key.certificate_pem:
        return Response({"detail": _("You have no registered certificate.")}, status=status.HTTP_404_NOT_FOUND)
    return Response(_certificate_data(key))


@extend_schema(request=None, responses=KeySerializer)
@api_view(["POST"])
@service_errors
def my_key_revoke(request):
    """Revoke your registered public key."""
    key = keys.bidder_key_revoke(user=request.user)
    return Response({**_key_data(key), "revoked_at": key.revoked_at.isoformat()})


@extend_schema(responses=PlatformKeySerializer)
@api_view(["GET"])
@permission_classes([AllowAny])
def platform_key(request):
    """Public: the platform's receipt-signing public key (``platform-key.pem`` for the PEM file)."""
    key = keys.platform_key().public_key
    return Response({"suite": key.suite, "fingerprint": key.fingerprint, "public_key": key.pem()})


@extend_schema(responses=PEM)
@api_view(["GET"])
@permission_classes([AllowAny])
def platform_key_pem(request):
    """Public: the platform's receipt-signing public key as a PEM file."""
    return HttpResponse(keys.platform_key().public_key.pem(), content_type="application/x-pem-file")


OpeningKeySerializer = inline_serializer("OpeningKey", {
    "suite": serializers.CharField(), "fingerprint": serializers.CharField(), "public_key": serializers.CharField(),
    "threshold": serializers.IntegerField(), "shares": serializers.IntegerField(), "deal_code": serializers.CharField(),
    "sections": serializers.ListField(child=inline_serializer("OpeningKeySection", {
        "id": serializers.IntegerField(), "code": serializers.CharField(), "name": serializers.CharField(),
        "announced_items": serializers.ListField(child=serializers.CharField())})),
    "custodians": serializers.ListField(child=inline_serializer("OpeningKeyCustodian", {
        "position": serializers.IntegerField(), "name": serializers.CharField(), "key": serializers.CharField()})),
})


def _opening_key(pk: int):
    project = get_object_or_404(Project.objects.exclude(status=Status.DRAFT), pk=pk)
    opening_key = getattr(project, "opening_key", None)
    if opening_key is None:
        raise Http404("This project has no opening key.")
    return project, opening_key


@extend_schema(responses=PEM)
@api_view(["GET"])
@permission_classes([AllowAny])
def project_opening_key_pem(request, pk: int):
    """Public: the project's opening public key as a PEM file."""
    _project, opening_key = _opening_key(pk)
    return HttpResponse(opening_key.public_key_pem, content_type="application/x-pem-file")


@extend_schema(responses=OpeningKeySerializer)
@api_view(["GET"])
@permission_classes([AllowAny])
def project_opening_key(request, pk: int):
    """Public: the project's opening public key, which every envelope is sealed to (``opening-key.pem``)."""
    project, opening_key = _opening_key(pk)
    return Response({
        "suite": opening_key.suite, "fingerprint": opening_key.fingerprint, "public_key": opening_key.public_key_pem,
        "threshold": opening_key.threshold, "shares": opening_key.share_count, "deal_code": project.deal_code,
        "sections": [{"id": s.pk, "code": s.code, "name": s.name, "announced_items": s.announced_items}
                     for s in project.sections.all()],
        "custodians": [{"position": c.position, "name": c.user.display_name or c.user.username,
                        "key": c.key_fingerprint} for c in project.custodians.select_related("user")],
    })


@extend_schema(request=CustodiansInSerializer, responses={201: inline_serializer("Custodians", {
    "custodians": serializers.ListField(child=serializers.CharField())})})
@api_view(["POST"])
@service_errors
def project_custodians(request, pk: int):
    """Designate the custodians of a draft project's opening key (each needs a registered key)."""
    project = get_object_or_404(Project, pk=pk)
    rows = custody.custodians_designate(project=project, user=request.user,
                                        usernames=_valid(CustodiansInSerializer, request)["usernames"])
    return Response({"custodians": [r.user.username for r in rows]}, status=status.HTTP_201_CREATED)


EncryptedShareSerializer = inline_serializer("EncryptedShare", {
    "version": serializers.IntegerField(), "key_id": serializers.CharField(), "index": serializers.IntegerField(),
    "threshold": serializers.IntegerField(), "custodian": serializers.CharField(help_text="key fingerprint"),
    "wrapped": serializers.CharField(help_text="base64; open with `python -m sealing share-decrypt`")})
ShareHandedIn = inline_serializer("ShareHandedIn", {"index": serializers.IntegerField(),
                                                    "submitted_at": serializers.DateTimeField()})


@extend_schema(methods=["GET"], responses=EncryptedShareSerializer)
@extend_schema(methods=["POST"], request=inline_serializer("ShareIn", {"share": serializers.JSONField()}),
               responses={201: ShareHandedIn})
@api_view(["GET", "POST"])
@service_errors
def project_share(request, pk: int):
    """GET your encrypted share of the project's opening key; POST your decrypted share. Both after the deadline only.

    Before the deadline no share material leaves the platform (403 says so): prove you hold your key with
    ``custody-check/`` instead.
    """
    project = get_object_or_404(Project, pk=pk)
    if request.method == "POST":
        custodian = custody.custody_share_submit(project=project, user=request.user, share=request.data.get("share"))
        return Response({"index": custodian.share["index"], "submitted_at": custodian.submitted_at.isoformat()},
                        status=status.HTTP_201_CREATED)
    return Response(custody.custody_share_get(project=project, user=request.user))


CheckAnswerIn = inline_serializer("CustodyCheckAnswer", {"answer": serializers.JSONField(
    help_text="what `python -m sealing share-decrypt check.json --key me.pem` printed")})
CheckPassed = inline_serializer("CustodyCheckPassed", {"key_proven_at": serializers.DateTimeField(),
                                                       "key": serializers.CharField()})


@extend_schema(methods=["GET"], responses=EncryptedShareSerializer)
@extend_schema(methods=["POST"], request=CheckAnswerIn, responses=CheckPassed)
@api_view(["GET", "POST"])
@service_errors
def project_custody_check(request, pk: int):
    """A custodian's key check, any time: GET a fresh one (a random secret wrapped to your key, as a share is, and
    nothing of the share); open it with ``python -m sealing share-decrypt``; POST what it printed as ``answer``.
    """
    project = get_object_or_404(Project, pk=pk)
    if request.method == "POST":
        custodian = custody.custody_check_answer(project=project, user=request.user, answer=request.data.get("answer"))
        return Response({"key_proven_at": custodian.key_proven_at.isoformat(), "key": custodian.key_fingerprint})
    return Response(custody.custody_check_issue(project=project, user=request.user))


@extend_schema(request=UploadInSerializer, responses={201: UploadSerializer})
@api_view(["POST"])
@throttle_classes(with_scope(UploadThrottle))
@service_errors
def section_upload_create(request, pk: int):
    """Start a resumable upload of an envelope of ``size`` bytes for the section."""
    section = get_object_or_404(Section.objects.select_related("project"), pk=pk)
    data = _valid(UploadInSerializer, request)
    session = uploads.upload_create(section=section, user=request.user, size=data["size"],
                                    file_name=data["file_name"], client=client_info(request))
    return Response(uploads.upload_status(session=session).__dict__, status=status.HTTP_201_CREATED)


def _session(request, pk) -> UploadSession:
    session = get_object_or_404(UploadSession, pk=pk)
    if session.user_id != request.user.pk:
        raise PermissionDenied("This upload belongs to someone else.")
    return session


@extend_schema(request={"application/octet-stream": bytes}, responses=UploadSerializer)
@api_view(["GET", "PUT"])
@throttle_classes(with_scope(UploadThrottle))
@service_errors
def upload_detail(request, pk):
    """GET where the upload stands (resume from ``offset``). PUT raw bytes at ``?offset=N`` (or Upload-Offset)."""
    session = _session(request, pk)
    if request.method == "PUT":
        raw = request.query_params.get("offset", request.headers.get("Upload-Offset"))
        try:
            offset = int(raw)
        except (TypeError, ValueError):
            raise DjangoValidationError({"offset": "Give the offset of these bytes (?offset=N)."})
        try:
            length = int(request.headers.get("Content-Length") or 0)
            uploads.upload_append(session=session, user=request.user, offset=offset, stream=request._request,
                                  length=length)
        except uploads.OffsetMismatch as exc:
            return Response({"errors": exc.message_dict, "offset": exc.offset}, status=status.HTTP_409_CONFLICT)
        session.refresh_from_db()
    return Response(uploads.upload_status(session=session).__dict__)


def _receipt_response(bid: Bid, created: bool = True) -> Response:
    data = {**bids.bid_receipt(bid=bid).as_dict(), "bid": bid.pk}
    return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(request=None, responses={201: inline_serializer("Receipt", {"signed": serializers.JSONField()})})
@api_view(["POST"])
@throttle_classes(with_scope(UploadThrottle))
@service_errors
def upload_complete(request, pk):
    """Finish the upload: the envelope is verified and becomes your bid; the answer holds the signed receipt."""
    session = _session(request, pk)
    bid = uploads.upload_complete(session=session, user=request.user)
    return _receipt_response(bid)


@extend_schema(responses=inline_serializer("ReceiptOut", {"signed": serializers.JSONField()}))
@api_view(["GET"])
def bid_receipt(request, pk: int):
    """The signed receipt of one of your bids."""
    bid = get_object_or_404(Bid.objects.select_related("section__project", "organisation"), pk=pk)
    if bid.organisation_id != request.user.organisation_id:
        raise PermissionDenied("This is another bidder's bid.")
    return _receipt_response(bid, created=False)


@extend_schema(request=ReleaseInSerializer, responses=inline_serializer("Released", {
    "bid": serializers.IntegerField(), "key_released_at": serializers.DateTimeField()}))
@api_view(["POST"])
@service_errors
def bid_release(request, pk: int):
    """At the opening: hand over your envelope's content key (base64), unwrapped with your private key."""
    bid = get_object_or_404(Bid, pk=pk)
    try:
        content_key = base64.b64decode(_valid(ReleaseInSerializer, request)["content_key"], validate=True)
    except (binascii.Error, ValueError):
        raise DjangoValidationError({"content_key": "Give the content key in base64 (python -m sealing release)."})
    bid = opening.bid_key_release(bid=bid, user=request.user, content_key=content_key)
    return Response({"bid": bid.pk, "key_released_at": bid.key_released_at.isoformat()})
