"""Factories for tests: small functions that build valid rows through the services."""

import itertools

from accounts.credit_code import make as make_credit_code
from accounts.models import Organisation, Role
from accounts.services import organisation_create, user_create

PASSWORD = "Test@pass-2026"
_serial = itertools.count(20_000_000)

ROLE_ORG_TYPE = {
    Role.TENDERER: Organisation.Type.TENDERER,
    Role.AGENCY: Organisation.Type.AGENCY,
    Role.BIDDER: Organisation.Type.BIDDER,
    Role.REGULATOR: Organisation.Type.REGULATOR,
    Role.ADMIN: Organisation.Type.PLATFORM,
}


def credit_code() -> str:
    return make_credit_code(region="310000", serial=next(_serial))


def organisation(*, org_type: str = Organisation.Type.BIDDER, name: str | None = None, region: str = "310000"):
    code = credit_code()
    return organisation_create(name=name or f"测试单位{code[-6:]}", credit_code_value=code,
                               org_type=org_type, region=region)


def user(*, role: str = Role.BIDDER, organisation_obj=None, username: str | None = None, password: str = PASSWORD):
    if organisation_obj is None and role in ROLE_ORG_TYPE:
        organisation_obj = organisation(org_type=ROLE_ORG_TYPE[role])
    return user_create(username=username or f"{role}-{next(_serial)}", password=password, role=role,
                       organisation=organisation_obj, display_name=f"{role} tester")


def tender_document(*, project, user, name: str = "招标文件.pdf"):
    """A tender document (招标文件) of a draft, uploaded through the service: a project is published only with one."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trading.services.participation import document_upload

    return document_upload(project=project, user=user,
                           upload=SimpleUploadedFile(name, b"%PDF-1.7 tender documents of the test"))
