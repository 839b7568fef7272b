"""The audit chain: every change recorded, and any edit, deletion or reordering found."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent
from audit.selectors import audit_verify
from audit.services import audit_record
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """Five events, as services would record them."""
    for n in range(5):
        audit_record(action="test.step", object_type="test.thing", object_id=str(n), payload={"n": n, "价格": "100.00"})
    return list(AuditEvent.objects.order_by("seq"))


def tamper(sql: str, params=()) -> None:
    """Change rows behind the application's back, as a database superuser could."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")


def test_an_intact_chain_verifies(chain):
    report = audit_verify()
    assert report.ok and report.checked == 5
    call_command("verify_audit")


def test_links_name_the_previous_event(chain):
    assert chain[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))


def test_a_row_edited_in_the_database_is_found(chain):
    tamper("UPDATE audit_auditevent SET action = 'test.forged' WHERE seq = 3")
    report = audit_verify()
    assert (report.broken_at, report.reason) == (3, "event #3 was edited")
    with pytest.raises(CommandError, match="BROKEN at #3"):
        call_command("verify_audit")


def test_an_edited_payload_is_found(chain):
    tamper("""UPDATE audit_auditevent SET payload = '{"n": 2, "价格": "1.00"}'::jsonb WHERE seq = 3""")
    assert audit_verify().reason == "event #3 payload was changed"


def test_a_deleted_row_is_found(chain):
    tamper("DELETE FROM audit_auditevent WHERE seq = 2")
    report = audit_verify()
    assert report.broken_at == 2 and "missing" in report.reason


def test_reordered_rows_are_found(chain):
    tamper("UPDATE audit_auditevent SET seq = -2 WHERE seq = 2")
    tamper("UPDATE audit_auditevent SET seq = 2 WHERE seq = 4")
    tamper("UPDATE audit_auditevent SET seq = 4 WHERE seq = -2")
    report = audit_verify()
    assert report.broken_at == 2 and "deleted or reordered" in report.reason


def test_rows_cut_off_the_end_are_found(chain):
    tamper("DELETE FROM audit_auditevent WHERE seq = 5")
    report = audit_verify()
    assert not report.ok and "head names #5" in report.reason


def test_verify_audit_exits_non_zero_on_a_broken_chain(chain, tmp_path):
    tamper("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE seq = 1")
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit")
    assert excinfo.value.returncode == 1


def test_the_database_refuses_updates_and_deletes(chain):
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1")
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 1")
    assert audit_verify().ok


def test_the_application_refuses_updates_and_deletes(chain):
    event = chain[0]
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_an_event_rolls_back_with_the_change_it_records():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="test.doomed", object_type="x", object_id="1")
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(action="test.doomed").exists()
    audit_record(action="test.after", object_type="x", object_id="1")
    assert audit_verify().ok


def test_web_requests_record_actor_role_and_address(client):
    organisation = factories.organisation(org_type="tenderer")
    user = factories.user(role="tenderer", organisation_obj=organisation, username="alice")
    client.force_login(user)
    # The registration page is public; a signed-in person registering a new organisation is recorded as actor.
    client.post(reverse("accounts:register"), {
        "org_name": "新单位", "credit_code": factories.credit_code(), "org_type": "bidder", "region": "",
        "username": "bob", "display_name": "Bob", "password": "Another#pass-77", "password_again": "Another#pass-77",
    }, REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="organisation.create", payload__name="新单位")
    assert (event.actor_label, event.role, event.ip_address, event.source) == ("alice", "tenderer", "10.1.2.3", "web")


def test_the_back_office_shows_the_chain_read_only(client, users, chain):
    client.force_login(users["admin"])
    assert client.get("/admin/audit/auditevent/").status_code == 200
    url = f"/admin/audit/auditevent/{chain[0].pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(url, {"action": "forged"}).status_code == 403
    assert client.get(f"/admin/audit/auditevent/{chain[0].pk}/delete/").status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert audit_verify().ok
