"""REST API under /api/deposits/: the bank adapter's arrivals, the operator's statement import, the bidder's
accounts and guarantees.

The bank adapter authenticates with a service token: ``Authorization: Bank <token>`` (``manage.py
deposits_bank_adapter NAME`` prints one). People use the platform's usual session or ``Token`` authentication.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import authentication, exceptions, serializers, status
from rest_framework.decorators import api_view, authentication_classes, parser_classes, permission_classes
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.permissions import Allowed, require
from audit.context import Actor, acting_as
from core.api import JSONParser, errors_body

from . import selectors, services, statements
from .models import BankAdapter, DepositAccount, Movement


class BankTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bank <token>``: a registered, active bank adapter (request.auth is the BankAdapter)."""

    keyword = "bank"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Authorization: Bank <token>”."))
        adapter = BankAdapter.objects.filter(
            token_hash=services.token_hash(parts[1].decode("latin-1")), active=True).first()
        if adapter is None:
            raise exceptions.AuthenticationFailed(_("The bank token is unknown or no longer active."))
        return AnonymousUser(), adapter

    def authenticate_header(self, request):
        return 'Bank realm="api"'


class BankTokenScheme(OpenApiAuthenticationExtension):
    target_class = BankTokenAuthentication
    name = "bankToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "A bank adapter's service token: `Bank <token>` (manage.py deposits_bank_adapter)."}


class IsBankAdapter(BasePermission):
    message = "Only a registered bank adapter may report arrivals."

    def has_permission(self, request, view):
        return isinstance(request.auth, BankAdapter)


class ArrivalNoticeSerializer(serializers.Serializer):
    sub_account = serializers.CharField(max_length=32, help_text="The virtual sub-account credited (16 digits).")
    amount = serializers.CharField(max_length=32, help_text="Yuan, at most two decimals, as a string: \"200000.00\".")
    bank_reference = serializers.CharField(max_length=64, help_text="The bank's unique transaction reference.")
    arrived_at = serializers.CharField(max_length=40, help_text="The bank's booking time, ISO 8601 with offset.")
    payer_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    payer_account = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ArrivalSerializer(serializers.ModelSerializer):
    sub_account = serializers.CharField(source="account.sub_account")
    in_time = serializers.SerializerMethodField()

    class Meta:
        model = Movement
        fields = ["id", "sub_account", "amount", "bank_reference", "arrived_at", "recorded_at", "payer_name",
                  "payer_account", "in_time"]

    def get_in_time(self, obj) -> bool:
        return obj.arrived_at <= obj.account.requirement.deadline


@extend_schema(
    request=ArrivalNoticeSerializer, auth=[{"bankToken": []}],
    responses={201: ArrivalSerializer, 200: OpenApiResponse(ArrivalSerializer, description="The same notice again: "
                                                             "the arrival recorded the first time.")},
)
@api_view(["POST"])
@authentication_classes([BankTokenAuthentication])
@permission_classes([IsBankAdapter])
def bank_arrival(request):
    """A bank adapter reports money arriving in a virtual sub-account (到账通知); idempotent by bank reference.

    201 with the arrival; 200 with the existing arrival for a repeated notice; 400 naming the field for an unknown
    sub-account, an amount other than the one due, a reference already used by a different notice.
    """
    notice = ArrivalNoticeSerializer(data=request.data)
    notice.is_valid(raise_exception=True)
    adapter = request.auth
    actor = Actor(label=f"bank:{adapter.name}", source="api", ip_address=request.META.get("REMOTE_ADDR", ""))
    try:
        with acting_as(actor), transaction.atomic():
            movement, created = services.arrival_record(**notice.validated_data, source=f"bank:{adapter.name}")
    except ValidationError as exc:
        return Response(errors_body(exc), status=status.HTTP_400_BAD_REQUEST)
    return Response(ArrivalSerializer(movement).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


ImportAnswer = inline_serializer("ArrivalImport", {"recorded": serializers.IntegerField(),
                                                   "repeated": serializers.IntegerField()})


@extend_schema(
    request={"application/json": inline_serializer("ArrivalImportRows", {"rows": ArrivalNoticeSerializer(many=True)}),
             "multipart/form-data": inline_serializer("ArrivalImportFile", {"file": serializers.FileField()})},
    responses={200: ImportAnswer},
)
@api_view(["POST"])
@parser_classes([JSONParser, MultiPartParser])
@permission_classes([Allowed])
def arrivals_import(request):
    """The operator imports a bank statement (CSV, XLSX or JSON file, or JSON ``{"rows": [...]}``), all or nothing.

    A 400 lists the errors of every wrong row, keyed ``"<row>.<field>"`` (``"3.amount"``: row 3 of the file, its
    amount) beside ``detail``; nothing was recorded then. Rows already recorded (the same notice) count as ``repeated``.
    """
    require(request.user, "deposits.import")
    try:
        upload = request.FILES.get("file")
        if upload is not None:
            rows = statements.rows_read(file_name=upload.name, content=upload.read(statements.MAX_BYTES + 1))
            source = f"import:{upload.name}"[:120]
        else:
            rows = statements.rows_from_json(request.data)
            source = "import:json"
        result = services.arrivals_import(rows=rows, source=source, by=request.user)
    except services.ImportRefused as exc:
        errors = {"detail": exc.messages}
        for row, fields in exc.rows.items():
            errors.update({f"{row}.{name}": messages for name, messages in fields.items()})
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    except ValidationError as exc:
        return Response(errors_body(exc), status=status.HTTP_400_BAD_REQUEST)
    return Response({"recorded": len(result.recorded), "repeated": len(result.repeated)})


class AccountSerializer(serializers.ModelSerializer):
    purpose = serializers.CharField(source="requirement.label")
    kind = serializers.CharField(source="requirement.kind")
    required_amount = serializers.DecimalField(source="requirement.amount", max_digits=16, decimal_places=2)
    deadline = serializers.DateTimeField(source="requirement.deadline")
    state = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()
    has_right = serializers.SerializerMethodField()

    class Meta:
        model = DepositAccount
        fields = ["id", "sub_account", "purpose", "kind", "required_amount", "deadline", "state", "state_label",
                  "has_right"]

    def _status(self, obj):
        if not hasattr(obj, "_status"):
            obj._status = selectors.deposit_status(obj)
        return obj._status

    def get_state(self, obj) -> str:
        return self._status(obj).state

    def get_state_label(self, obj) -> str:
        return self._status(obj).label

    def get_has_right(self, obj) -> bool:
        return self._status(obj).has_right


@extend_schema(responses=AccountSerializer(many=True))
@api_view(["GET"])
@permission_classes([Allowed])
def my_accounts(request):
    """The bidder's own deposit accounts: virtual sub-account, purpose, amount, deadline, state."""
    require(request.user, "deposits.own")
    accounts = selectors.accounts_of(request.user.organisation)[:500]
    return Response(AccountSerializer(accounts, many=True).data)


class GuaranteeSerializer(serializers.Serializer):
    issuer = serializers.CharField(max_length=40, help_text="An issuer code of DEPOSITS_GUARANTEE_ISSUERS.")
    number = serializers.CharField(max_length=64)
    amount = serializers.CharField(max_length=32)
    valid_from = serializers.CharField(max_length=10, help_text="YYYY-MM-DD")
    valid_until = serializers.CharField(max_length=10, help_text="YYYY-MM-DD")
    beneficiary = serializers.CharField(max_length=200)


@extend_schema(request=GuaranteeSerializer, responses={201: AccountSerializer})
@api_view(["POST"])
@permission_classes([Allowed])
def account_guarantee(request, pk: int):
    """The bidder records an electronic guarantee (电子保函) for its own deposit; refused with each reason."""
    require(request.user, "deposits.own")
    account = get_object_or_404(DepositAccount, pk=pk, organisation_id=request.user.organisation_id)
    data = GuaranteeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        services.guarantee_record(account=account, **data.validated_data, source="api", by=request.user)
    except ValidationError as exc:
        return Response(errors_body(exc), status=status.HTTP_400_BAD_REQUEST)
    return Response(AccountSerializer(account).data, status=status.HTTP_201_CREATED)
