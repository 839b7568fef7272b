"""Trigram GIN indexes for the database search backend on PostgreSQL; a no-op on SQLite."""

from django.db import migrations

INDEXES = [
    ("trading_announcement_title_trgm", "trading_announcement", "title"),
    ("trading_announcement_body_trgm", "trading_announcement", "body"),
    ("trading_project_title_trgm", "trading_project", "title"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER({column}::text) gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("trading", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
