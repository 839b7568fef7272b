from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record

from . import credit_code
from .models import Organisation, Role

User = get_user_model()


@transaction.atomic
def organisation_create(*, name: str, credit_code_value: str, org_type: str, region: str = "") -> Organisation:
    """Register an organisation; the credit code is validated with its check character."""
    organisation = Organisation(
        name=name.strip(), credit_code=credit_code.normalise(credit_code_value), org_type=org_type, region=region
    )
    organisation.full_clean()
    organisation.save()
    audit_record(action="organisation.create", obj=organisation,
                 payload={"name": organisation.name, "credit_code": organisation.credit_code, "type": org_type})
    return organisation


@transaction.atomic
def user_create(*, username: str, password: str, role: str, organisation: Organisation | None = None,
                display_name: str = "", email: str = "", phone: str = "") -> "User":
    """Create a person acting in ``role``; the password is checked by the configured validators."""
    user = User(username=username, role=role, organisation=organisation, display_name=display_name,
                email=email, phone=phone)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.is_superuser = role == Role.ADMIN
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(action="user.create", obj=user,
                 payload={"username": username, "role": role,
                          "organisation": organisation.credit_code if organisation else None})
    return user



@transaction.atomic
def organisation_register(*, name: str, credit_code_value: str, org_type: str, region: str,
                          username: str, password: str, role: str, display_name: str) -> "User":
    """Register an organisation with its first person; either both are created or neither."""
    organisation = organisation_create(name=name, credit_code_value=credit_code_value, org_type=org_type, region=region)
    return user_create(username=username, password=password, role=role, organisation=organisation,
                       display_name=display_name)


@transaction.atomic
def login_unlock(*, username: str, ip_address: str | None = None) -> int:
    """Lift a log-in lock-out before its time (a platform admin, from the back office); returns the rows cleared."""
    from axes.utils import reset

    cleared = reset(ip=ip_address or None, username=username)
    audit_record(action="accounts.login_unlocked", object_type="accounts.user",
                 payload={"username": username, "ip_address": ip_address or "", "cleared": cleared})
    return cleared
