"""On PostgreSQL, refuse UPDATE and DELETE of deposit movements and guarantees in the database itself.

The models already refuse it (AppendOnly); the trigger makes the database refuse it too, for any client.
"""

from django.db import migrations

TABLES = ["deposits_movement", "deposits_guarantee"]
FUNCTION = """
CREATE OR REPLACE FUNCTION deposits_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'deposit movements and guarantees are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION deposits_refuse_change();", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS deposits_refuse_change();", params=None)


class Migration(migrations.Migration):
    dependencies = [("deposits", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
