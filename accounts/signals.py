"""Log-in, log-out and failed log-ins land in the audit chain (EB 13: every step is recorded)."""

from audit.services import audit_record


def on_logged_in(sender, request, user, **kwargs):
    audit_record(action="accounts.login", obj=user, payload={"username": user.get_username()})


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="accounts.logout", obj=user, payload={"username": user.get_username()})


def on_login_failed(sender, credentials, request=None, **kwargs):
    audit_record(action="accounts.login_failed", object_type="accounts.user",
                 payload={"username": str(credentials.get("username", ""))[:150]})
