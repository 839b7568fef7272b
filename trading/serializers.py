"""Serializers of the trading API: shapes only; the services check the rules."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import (
    Announcement,
    Award,
    Bid,
    Category,
    Contract,
    DocumentDownload,
    PortalType,
    Project,
    ProjectTransition,
    Registration,
    Section,
    TenderDocument,
)


class SectionSerializer(serializers.ModelSerializer):
    full_code = serializers.CharField(read_only=True)

    class Meta:
        model = Section
        fields = ["id", "code", "full_code", "name", "base_amount", "base_type", "announced_items", "failed_at",
                  "bond_amount"]
        read_only_fields = ["id", "full_code", "failed_at"]


class ProjectSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)
    tenderer = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id", "deal_code", "title", "description", "category", "tenderer", "agency", "region",
            "procurement_method", "procurement_object", "evaluation_method", "evaluation_criteria",
            "announcement_at", "documents_start", "documents_end", "clarification_deadline", "bid_deadline",
            "decryption_window_minutes", "objection_window_minutes", "allow_backup_decryption", "key_files_allowed",
            "status",
            "suspended_from", "publicity_ends_at", "end_reason", "retender_of", "sections",
        ]
        read_only_fields = fields


class SectionInSerializer(serializers.Serializer):
    """Input of a section: a short code of letters and digits, a positive base amount, the announced items."""

    code = serializers.RegexField(r"^[0-9A-Za-z]{1,8}$", help_text="1–8 letters or digits, e.g. 001",
                                  error_messages={"invalid": _("Give a section code of 1 to 8 letters or digits.")})
    name = serializers.CharField(max_length=200)
    base_amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    base_type = serializers.CharField(max_length=32)
    announced_items = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50,
                                            required=False, default=list)
    bond_amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"), required=False,
                                           allow_null=True, default=None,
                                           help_text="投标保证金 in yuan, at most 2% of base_amount; null: no bond")


class ProjectWriteSerializer(serializers.Serializer):
    """Input of project creation: the project fields, the tenderer/agency by credit code, and its sections."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices)
    tenderer = serializers.CharField(required=False, help_text="credit code; an agency names its tenderer")
    agency = serializers.CharField(required=False, help_text="credit code; a tenderer may name its agency")
    region = serializers.CharField(max_length=6)
    procurement_method = serializers.CharField()
    procurement_object = serializers.CharField(required=False, allow_blank=True)
    evaluation_method = serializers.CharField()
    evaluation_criteria = serializers.JSONField(required=False)
    documents_start = serializers.DateTimeField(required=False, allow_null=True)
    documents_end = serializers.DateTimeField(required=False, allow_null=True)
    clarification_deadline = serializers.DateTimeField(required=False, allow_null=True)
    bid_deadline = serializers.DateTimeField(required=False, allow_null=True)
    decryption_window_minutes = serializers.IntegerField(required=False, min_value=1)
    objection_window_minutes = serializers.IntegerField(required=False, min_value=1)
    allow_backup_decryption = serializers.BooleanField(required=False)
    key_files_allowed = serializers.BooleanField(required=False)
    sections = SectionSerializer(many=True, required=False)


class ProjectUpdateSerializer(ProjectWriteSerializer):
    title = serializers.CharField(max_length=200, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    region = serializers.CharField(max_length=6, required=False)
    procurement_method = serializers.CharField(required=False)
    evaluation_method = serializers.CharField(required=False)


class TransitionSerializer(serializers.Serializer):
    to = serializers.CharField()
    reason_code = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AmendSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[Announcement.Kind.CLARIFICATION, Announcement.Kind.AMENDMENT])
    title = serializers.CharField()
    body = serializers.CharField()
    new_bid_deadline = serializers.DateTimeField(required=False, allow_null=True)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)


class CommitmentSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()


class CandidateInSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="credit code")
    price = serializers.DecimalField(max_digits=16, decimal_places=2)
    score = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)


class CandidatesSerializer(serializers.Serializer):
    candidates = CandidateInSerializer(many=True)


class AwardInSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="credit code of the winner")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class ContractInSerializer(serializers.Serializer):
    signed_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class ContractTerminationInSerializer(serializers.Serializer):
    terminated_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class AnnouncementSerializer(serializers.ModelSerializer):
    project_status = serializers.CharField(source="project.status", read_only=True, allow_null=True, default=None)
    portal_type = serializers.ChoiceField(choices=PortalType.choices, read_only=True)

    class Meta:
        model = Announcement
        fields = ["id", "project", "deal_code", "project_status", "kind", "portal_type", "category", "region",
                  "title", "body", "published_at", "publicity_ends_at"]


class RegistrationSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    commitment_signed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Registration
        fields = ["id", "section", "organisation", "organisation_name", "registered_at", "commitment_signed",
                  "commitment_signed_at", "commitment_text"]


class BidSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)

    class Meta:
        model = Bid
        fields = ["id", "section", "organisation", "state", "original_name", "size", "sha256", "submitted_at",
                  "receipt_no", "ended_at", "signer_fingerprint", "key_released_at", "opened_at"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenderDocument
        fields = ["id", "name", "size", "sha256", "uploaded_at"]


class DownloadSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True, default="")
    document = serializers.CharField(source="document.name")

    class Meta:
        model = DocumentDownload
        fields = ["document", "organisation", "organisation_name", "downloaded_at"]


class TransitionRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectTransition
        fields = ["from_status", "to_status", "reason_code", "note", "by_label", "at"]


class AwardSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    savings = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, allow_null=True)
    savings_rate = serializers.DecimalField(max_digits=8, decimal_places=4, read_only=True, allow_null=True)
    premium = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, allow_null=True)
    premium_rate = serializers.DecimalField(max_digits=8, decimal_places=4, read_only=True, allow_null=True)

    class Meta:
        model = Award
        fields = ["id", "section", "organisation", "amount", "base_amount", "base_type", "awarded_at",
                  "savings", "savings_rate", "premium", "premium_rate"]


class ContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["id", "award", "signed_on", "amount", "recorded_at", "terminated_on", "termination_reason",
                  "terminated_at"]
