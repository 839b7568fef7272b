"""Chinese search that indexes every length (PostgreSQL; a no-op on SQLite): every announcement's title and body as
a tsvector of its characters and character pairs (unigrams + bigrams, whitespace removed, lower-cased), kept by a
trigger, with GIN indexes. A query word of one character is looked up as itself, a longer one as the AND of its
bigrams, then checked as a substring; so one- and two-character words ("院", "医院") are answered from an index,
which pg_trgm cannot do. trading/search/database.py builds the queries.
"""

from django.db import migrations

GRAMS = r"""
CREATE OR REPLACE FUNCTION sunshine_grams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH s AS (SELECT lower(regexp_replace(coalesce(t, ''), '\s+', '', 'g')) AS s)
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT g)), ''::tsvector)
    FROM (
        SELECT substr(s.s, i, 1) AS g FROM s, generate_series(1, length(s.s)) AS i
        UNION ALL
        SELECT substr(s.s, i, 2) FROM s, generate_series(1, length(s.s) - 1) AS i
    ) grams
$$;

ALTER TABLE trading_announcement ADD COLUMN IF NOT EXISTS title_grams tsvector;
ALTER TABLE trading_announcement ADD COLUMN IF NOT EXISTS body_grams tsvector;

CREATE OR REPLACE FUNCTION trading_announcement_grams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.title_grams := sunshine_grams(NEW.title);
    NEW.body_grams := sunshine_grams(NEW.body);
    RETURN NEW;
END $$;
CREATE TRIGGER trading_announcement_grams BEFORE INSERT OR UPDATE OF title, body ON trading_announcement
    FOR EACH ROW EXECUTE FUNCTION trading_announcement_grams();

UPDATE trading_announcement SET title_grams = sunshine_grams(title), body_grams = sunshine_grams(body);
CREATE INDEX IF NOT EXISTS trading_announcement_title_grams ON trading_announcement USING gin (title_grams);
CREATE INDEX IF NOT EXISTS trading_announcement_body_grams ON trading_announcement USING gin (body_grams);
"""

DROP = """
DROP TRIGGER IF EXISTS trading_announcement_grams ON trading_announcement;
DROP FUNCTION IF EXISTS trading_announcement_grams();
DROP INDEX IF EXISTS trading_announcement_title_grams;
DROP INDEX IF EXISTS trading_announcement_body_grams;
ALTER TABLE trading_announcement DROP COLUMN IF EXISTS title_grams;
ALTER TABLE trading_announcement DROP COLUMN IF EXISTS body_grams;
DROP FUNCTION IF EXISTS sunshine_grams(text);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GRAMS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("trading", "0004_project_imported")]

    operations = [migrations.RunPython(forwards, backwards)]
