from rest_framework import serializers

from .models import Organisation, User


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["name", "credit_code", "org_type", "region"]


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["username", "display_name", "role", "organisation"]
