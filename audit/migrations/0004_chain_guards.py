"""On PostgreSQL, more of the chain's promises kept by the database itself.

- ``TRUNCATE`` of the events, the head or the checkpoints is refused (row triggers never see a TRUNCATE);
- checkpoints are append-only like the events;
- the head row cannot be deleted, and moves only one step on, to the event just appended after it
  (``audit_record`` appends one event and moves the head to it); it is created only for an empty chain.

A database superuser can still disable triggers: what they then change is found by ``verify_audit`` against
the published, signed checkpoints (audit/checkpoints.py).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain cannot be truncated (% refused on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_audithead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain head cannot be deleted';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq <> 0 OR EXISTS (SELECT 1 FROM audit_auditevent) THEN
            RAISE EXCEPTION 'the audit chain head is created only for an empty chain';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
            SELECT 1 FROM audit_auditevent e
            WHERE e.seq = NEW.seq AND e.hash = NEW.hash AND e.prev_hash = OLD.hash) THEN
        RAISE EXCEPTION 'the audit chain head moves only to the event appended after it';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_audithead
    FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_head_guard ON audit_audithead;
DROP FUNCTION IF EXISTS audit_head_guard();
DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_audithead;
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_checkpoints")]
    operations = [migrations.RunPython(forwards, backwards)]
