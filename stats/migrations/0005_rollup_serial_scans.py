"""The rollup tables are read without parallel workers (PostgreSQL): a statistics table reads a few thousand of their
rows, and on a busy machine starting workers waited for a CPU (60 ms instead of 15 at load 9). A table's
``parallel_workers = 0`` keeps the planner from choosing them for that table in every statement, where
``SET LOCAL max_parallel_workers_per_gather`` around each query cost four more round trips (docs/statistics.md)."""

from django.db import migrations

TABLES = ("stats_dealrollup", "stats_projectrollup", "stats_dealrollupmonth", "stats_projectrollupmonth")


def serial(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the embedded SQLite default has no rollup and no parallel plans
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET (parallel_workers = 0)")


def reset(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} RESET (parallel_workers)")


class Migration(migrations.Migration):
    dependencies = [("stats", "0004_month_rollups")]

    operations = [migrations.RunPython(serial, reset)]
