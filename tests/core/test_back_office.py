"""The back office reads the trade record and changes none of it; what it may still change goes through services.

The registry walk covers every model any app registers, so models of apps added later are held to the same rule.
"""

import datetime as dt

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Organisation, Role, User
from audit.models import AuditEvent
from audit.selectors import audit_verify
from tests import factories, sealed
from tests.trading.conftest import World, create_project, join_and_bid, transition
from trading.models import Bid, Project

pytestmark = pytest.mark.django_db

# Models the back office may still add to or change, and why. Each one's saves go through an audited service
# (asserted below); none of them may be deleted.
EDITABLE = {
    "accounts.organisation": "organisations are registered and corrected by the operator (accounts.services)",
    "accounts.user": "people are created, corrected and closed by the operator (accounts.services)",
}


@pytest.fixture(autouse=True)
def trading_files(settings, tmp_path):
    settings.PROTECTED_ROOT = tmp_path / "protected"
    settings.TRADING_MIN_BID_PERIOD_DAYS = 0


@pytest.fixture
def admin_request(users):
    request = RequestFactory().get("/admin/")
    request.user = users["admin"]
    return request


def test_every_registered_model_outside_the_allow_list_is_read_only(admin_request):
    offenders = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        inlines = [inline(model, admin.site) for inline in model_admin.inlines]
        checks = {
            "add": model_admin.has_add_permission(admin_request),
            "change": model_admin.has_change_permission(admin_request),
            "delete": model_admin.has_delete_permission(admin_request),
            **{f"{type(i).__name__} {what}": getattr(i, f"has_{what}_permission")(admin_request, None)
               for i in inlines for what in ("add", "change", "delete")},
        }
        allowed = {what for what, yes in checks.items() if yes}
        if label in EDITABLE:
            if checks["delete"]:
                offenders.append(f"{label} allows delete")
            if type(model_admin).save_model is admin.ModelAdmin.save_model:
                offenders.append(f"{label} saves without its services")
        elif allowed:
            offenders.append(f"{label} allows {', '.join(sorted(allowed))}")
        if "delete_selected" in model_admin.get_actions(admin_request):
            offenders.append(f"{label} offers bulk delete")
    assert not offenders, offenders
    assert {"trading.bid", "trading.registration", "audit.auditevent"} <= {
        m._meta.label_lower for m in admin.site._registry}


def test_tokens_and_groups_are_not_in_the_back_office(client, users):
    client.force_login(users["admin"])
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert client.get("/admin/auth/group/").status_code == 404


def test_what_the_back_office_may_change_is_audited(client, users):
    client.force_login(users["admin"])
    code = factories.credit_code()
    response = client.post("/admin/accounts/organisation/add/", {
        "name": "后台新增单位", "credit_code": code, "org_type": "bidder", "region": "310000"})
    assert response.status_code == 302, response.content
    organisation = Organisation.objects.get(credit_code=code)
    response = client.post(f"/admin/accounts/organisation/{organisation.pk}/change/", {
        "name": "后台更名单位", "org_type": "bidder", "region": "320000"})
    assert response.status_code == 302, response.content
    response = client.post("/admin/accounts/user/add/", {
        "username": "newbidder", "role": "bidder", "organisation": organisation.pk, "display_name": "新人",
        "password1": "Another#pass-77", "password2": "Another#pass-77"})
    assert response.status_code == 302, response.content
    person = User.objects.get(username="newbidder")
    response = client.post(f"/admin/accounts/user/{person.pk}/change/", {
        "display_name": "新人", "first_name": "", "last_name": "", "email": "", "phone": "",
        "role": "bidder", "organisation": organisation.pk, "is_active": ""})
    assert response.status_code == 302, response.content
    response = client.post(f"/admin/accounts/user/{person.pk}/password/", {
        "password1": "Third#pass-2026", "password2": "Third#pass-2026", "usable_password": "true"})
    assert response.status_code == 302, response.content

    events = {e.action: e for e in AuditEvent.objects.filter(actor_label=users["admin"].username)}
    assert set(events) >= {"organisation.create", "organisation.update", "user.create", "user.update",
                           "user.password_set"}
    assert events["organisation.update"].payload["changes"] == {"name": ["后台新增单位", "后台更名单位"],
                                                                 "region": ["310000", "320000"]}
    assert events["user.update"].payload["changes"] == {"is_active": [True, False]}
    person.refresh_from_db()
    assert not person.is_active and person.check_password("Third#pass-2026")
    assert client.post(f"/admin/accounts/user/{person.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=person.pk).exists()
    assert audit_verify().ok


def _bid_fields(bid: Bid) -> tuple:
    bid.refresh_from_db()
    return bid.state, bid.sha256, bid.receipt, bid.opened_summary, bid.submitted_at


def test_the_admin_cannot_change_a_sealed_bid_through_the_back_office(client):
    """The insider: a platform admin posts the change form of a bid, before and after the deadline."""
    world = World()
    project = create_project(world, seconds=3600)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    sealed.key_register(bidder)
    assert join_and_bid(world, bidder, section).status_code == 201
    bid = Bid.objects.get(organisation=bidder.organisation)
    forged = {"state": "opened", "sha256": "0" * 64, "original_name": "x", "size": 1,
              "submitted_at_0": "2020-01-01", "submitted_at_1": "00:00:00",
              "opened_summary": '{"price": "1.00"}', "receipt": "{}"}
    client.force_login(world.officer)
    before, events = _bid_fields(bid), AuditEvent.objects.count()
    change = f"/admin/trading/bid/{bid.pk}/change/"

    # Before the deadline the bid is not even listed: who bids is secret (EB 23/24).
    listing = client.get("/admin/trading/bid/")
    assert listing.status_code == 200 and bidder.organisation.name not in listing.content.decode()
    assert client.get(change).status_code == 302
    assert client.post(change, forged).status_code in (302, 403)
    assert _bid_fields(bid) == before

    # After the deadline it is shown, read-only: the change is refused.
    Project.objects.filter(pk=project["id"]).update(bid_deadline=timezone.now() - dt.timedelta(seconds=1))
    page = client.get(change)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(change, forged).status_code == 403
    assert client.post(f"/admin/trading/bid/{bid.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post("/admin/trading/bid/add/", forged).status_code == 403
    assert _bid_fields(bid) == before
    assert AuditEvent.objects.count() == events
    assert audit_verify().ok
    assert world.officer.role == Role.ADMIN


def test_every_back_office_list_opens(client, users):
    client.force_login(users["admin"])
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
