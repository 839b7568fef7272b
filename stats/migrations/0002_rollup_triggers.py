"""Triggers that keep stats_dealrollup in the writer's transaction (PostgreSQL; see stats/rollup_sql.py), and the
rollup filled from the rows already there."""

from django.db import migrations

from stats.rollup_sql import CREATE, DROP, RAW_ROLLUP


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the embedded SQLite default reads the raw rows (stats.selectors)
    for statement in CREATE:
        schema_editor.execute(statement)
    schema_editor.execute(
        "INSERT INTO stats_dealrollup (day, category, region, base_type, source, awards, projects, base, amount) "
        f"SELECT * FROM ({RAW_ROLLUP}) raw")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in DROP:
        schema_editor.execute(statement)
    schema_editor.execute("DELETE FROM stats_dealrollup")


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial"), ("trading", "0004_project_imported")]

    operations = [migrations.RunPython(create, drop)]
