"""On PostgreSQL a trigger refuses UPDATE and DELETE on published releases (append-only, like the audit chain)."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION opendata_release_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'opendata_release is append-only: a published release is never changed or deleted';
END $$;
CREATE TRIGGER opendata_release_append_only BEFORE UPDATE OR DELETE ON opendata_release
    FOR EACH ROW EXECUTE FUNCTION opendata_release_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS opendata_release_append_only ON opendata_release;
DROP FUNCTION IF EXISTS opendata_release_append_only();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("opendata", "0001_initial")]

    operations = [migrations.RunPython(forbid, allow)]
