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


ORGANISATION_FIELDS = ("name", "org_type", "region")
USER_FIELDS = ("role", "organisation", "display_name", "first_name", "last_name", "email", "phone", "is_active")


def _changes(obj, fields: tuple[str, ...], values: dict) -> dict[str, list]:
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValidationError({unknown[0]: "This field cannot be changed here."})
    changed = {}
    for name, value in values.items():
        before = getattr(obj, name)
        if before != value:
            setattr(obj, name, value)
            changed[name] = [_plain(before), _plain(value)]
    return changed


def _plain(value):
    if isinstance(value, Organisation):
        return value.credit_code
    return value


@transaction.atomic
def organisation_update(*, organisation: Organisation, **values) -> Organisation:
    """Change an organisation's name, type or region (its credit code names it for good); audited with the change."""
    organisation = Organisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
    changed = _changes(organisation, ORGANISATION_FIELDS, values)
    if changed:
        organisation.full_clean()
        organisation.save(update_fields=list(changed))
        audit_record(action="organisation.update", obj=organisation,
                     payload={"credit_code": organisation.credit_code, "changes": changed})
    return organisation


@transaction.atomic
def user_update(*, user, **values) -> "User":
    """Change a person's role, organisation, names, contact or whether the account is active; audited."""
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    changed = _changes(user, USER_FIELDS, values)
    if changed:
        user.is_superuser = user.role == Role.ADMIN
        user.full_clean(exclude=["password"])
        user.save()
        audit_record(action="user.update", obj=user, payload={"username": user.username, "changes": changed})
    return user


@transaction.atomic
def user_password_set(*, user, password: str | None) -> "User":
    """Set a person's password (None: no password log-in at all); checked by the validators, audited (not the
    password)."""
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action="user.password_set", obj=user, payload={"username": user.username,
                                                                "usable": password is not None})
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
