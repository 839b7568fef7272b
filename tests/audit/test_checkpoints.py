"""Checkpoints: the chain's head signed by the platform key and published; a chain rewritten, cut short or emptied by
a database superuser (triggers off) is found against a copy of them; the database refuses TRUNCATE and guards the
head; verify_audit reads one snapshot while events are written."""

import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit.chain import link_hash
from audit.checkpoints import checkpoint_signature_ok, checkpoint_take, checkpoints_parse
from audit.models import AppendOnlyError, AuditCheckpoint, AuditEvent, AuditHead
from audit.selectors import audit_verify
from audit.services import audit_record
from core.platform_key import platform_key

pytestmark = pytest.mark.django_db

FIELDS = ["seq", "created_at", "actor_id", "actor_label", "role", "ip_address", "source", "action", "object_type",
          "object_id", "payload_hash", "prev_hash"]


def events(n: int, *, checkpoint_every: int = 0):
    for i in range(n):
        audit_record(action="test.step", object_type="test.thing", object_id=str(i), payload={"n": i},
                     checkpoint=bool(checkpoint_every) and (i + 1) % checkpoint_every == 0)


@pytest.fixture
def published(client, tmp_path):
    """Ten events with a checkpoint every third, and a copy of the published checkpoints kept in a file."""
    events(10, checkpoint_every=3)
    response = client.get("/api/audit/checkpoints/")
    assert response.status_code == 200
    path = tmp_path / "checkpoints.json"
    path.write_bytes(response.content)
    return path


def as_superuser(*statements):
    """What a database superuser can do: turn the triggers off (replica mode) and change anything."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def rewrite_from(seq: int, *, action: str = "test.forged"):
    """Edit event ``seq`` and recompute every later hash and the head: a chain consistent in itself."""
    rows = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq").values(*FIELDS))
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    statements = []
    for row in rows:
        if row["seq"] == seq:
            row["action"] = action
        row["prev_hash"] = prev
        prev = link_hash(**row)
        statements.append(("UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                           (row["action"], row["prev_hash"], prev, row["seq"])))
    statements.append(("UPDATE audit_audithead SET hash = %s WHERE id = 1", (prev,)))
    as_superuser(*statements)


def verify(*args):
    call_command("verify_audit", *args)


def test_a_checkpoint_signs_the_head_with_the_platform_key():
    events(3)
    checkpoint = checkpoint_take()
    head = AuditHead.objects.get()
    assert (checkpoint.seq, checkpoint.hash) == (head.seq, head.hash) == (3, AuditEvent.objects.get(seq=3).hash)
    assert checkpoint.key_fingerprint == platform_key().public_key.fingerprint
    assert checkpoint_take() is None, "the head did not move: no second checkpoint"
    events(1)
    assert checkpoint_take().seq == 4


def test_an_event_of_a_signed_document_is_checkpointed_with_it():
    event = audit_record(action="test.document", object_type="x", object_id="1", checkpoint=True)
    assert AuditCheckpoint.objects.filter(seq=event.seq, hash=event.hash).exists()


def test_the_periodic_task_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    assert entry["task"] == "audit.tasks.audit_checkpoint"
    from audit.tasks import audit_checkpoint

    events(2)
    assert audit_checkpoint() == 2


def test_checkpoints_are_published_on_the_portal_page_and_the_api(client, published):
    page = client.get("/audit/checkpoints/")
    assert page.status_code == 200
    for checkpoint in AuditCheckpoint.objects.all():
        assert checkpoint.hash in page.content.decode()
    key_pem, found = checkpoints_parse(published.read_bytes())
    assert [c.seq for c in found] == [3, 6, 9]
    assert key_pem == platform_key().public_key.pem()
    assert all(checkpoint_signature_ok(platform_key().public_key, c) for c in found)
    first = client.get("/api/audit/checkpoints/?limit=2").json()
    assert [c["seq"] for c in first["checkpoints"]] == [3, 6] and "after=6" in first["next"]
    assert client.get(first["next"]).json()["next"] is None
    refused = client.get("/api/audit/checkpoints/?after=-1&limit=x")
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"after", "limit"}


def test_an_intact_chain_is_proved_against_the_published_copy(published, capsys):
    verify("--checkpoints", str(published))
    assert "10 events verified, proved against 6 signed checkpoints" in capsys.readouterr().out


def test_a_rewritten_chain_is_found_by_the_stored_checkpoints(published):
    rewrite_from(5)
    report = audit_verify()
    assert not report.ok and report.broken_at == 6 and "rewritten" in report.reason


def test_a_rewritten_chain_with_its_checkpoints_deleted_is_found_by_the_published_copy(published):
    rewrite_from(5)
    as_superuser(("DELETE FROM audit_auditcheckpoint", ()))
    verify()  # consistent in itself: without a copy of the checkpoints nothing shows
    with pytest.raises(CommandError, match=r"BROKEN at #6: checkpoint #6 .* rewritten"):
        verify("--checkpoints", str(published))


def test_a_forged_checkpoint_does_not_verify(published):
    rewrite_from(5)
    as_superuser(("DELETE FROM audit_auditcheckpoint", ()))
    forged = json.loads(published.read_text())
    forged["checkpoints"][1]["hash"] = AuditEvent.objects.get(seq=6).hash  # the forger cannot sign it
    published.write_text(json.dumps(forged))
    with pytest.raises(CommandError, match="signature does not verify"):
        verify("--checkpoints", str(published))


def test_a_cut_tail_with_the_head_moved_back_is_found(published):
    keep = AuditEvent.objects.get(seq=7)
    as_superuser(("DELETE FROM audit_auditevent WHERE seq > 7", ()),
                 ("DELETE FROM audit_auditcheckpoint WHERE seq > 7", ()),
                 ("UPDATE audit_audithead SET seq = 7, hash = %s", (keep.hash,)))
    verify()
    with pytest.raises(CommandError, match=r"checkpoint #9 .* the chain ends at #7"):
        verify("--checkpoints", str(published))


def test_a_truncated_chain_is_found(published):
    as_superuser(("TRUNCATE audit_auditevent, audit_audithead, audit_auditcheckpoint", ()))
    verify()
    with pytest.raises(CommandError, match=r"checkpoint #3 .* the chain ends at #0"):
        verify("--checkpoints", str(published))


def test_a_file_that_is_not_a_checkpoint_document_is_refused_clearly(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(CommandError, match="not a checkpoint document"):
        verify("--checkpoints", str(path))
    with pytest.raises(CommandError, match="cannot read"):
        verify("--checkpoints", str(tmp_path / "missing.json"))


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_audithead", "audit_auditcheckpoint"])
def test_the_database_refuses_truncate(published, table):
    with pytest.raises(Exception, match="cannot be truncated"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert audit_verify().ok


def test_the_database_guards_the_head_and_the_checkpoints(published):
    attempts = [
        "DELETE FROM audit_audithead",
        "UPDATE audit_audithead SET seq = 7, hash = (SELECT hash FROM audit_auditevent WHERE seq = 7)",
        "UPDATE audit_audithead SET seq = 11, hash = repeat('a', 64)",
        "UPDATE audit_auditcheckpoint SET hash = repeat('a', 64)",
        "DELETE FROM audit_auditcheckpoint",
    ]
    for sql in attempts:
        with pytest.raises(Exception, match="head|append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.first().delete()
    assert audit_verify().ok and AuditHead.objects.get().seq == 10


@pytest.mark.django_db(transaction=True)
def test_verify_audit_reads_one_snapshot_while_events_are_written():
    events(20, checkpoint_every=5)
    stop = threading.Event()
    written = []

    def writer():
        try:
            while not stop.is_set():
                written.append(audit_record(action="test.concurrent", object_type="x", object_id="1",
                                            checkpoint=len(written) % 3 == 0).seq)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = []
        while len(reports) < 15 or len(written) < 30:
            reports.append(audit_verify(batch_size=7))
            if len(reports) > 200:
                break
    finally:
        stop.set()
        thread.join()
    assert written and all(r.ok for r in reports), [r.reason for r in reports if not r.ok]
    assert audit_verify().checked == 20 + len(written)


@pytest.mark.django_db(transaction=True)
def test_verify_audit_fetches_the_checkpoints_from_the_portal(live_server, capsys):
    events(4, checkpoint_every=2)
    verify("--checkpoints", f"{live_server.url}/api/audit/checkpoints/")
    assert "proved against 4 signed checkpoints" in capsys.readouterr().out


def test_the_checkpoint_page_reads_as_chinese(client, published, settings):
    from tests.e2e.page_checks import page_problems

    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get("/audit/checkpoints/").content.decode()
    assert "审计检查点" in page and page_problems(page) == []
