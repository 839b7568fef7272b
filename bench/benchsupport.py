"""What every benchmark shares: its own PostgreSQL database and Django set up against it.

A benchmark runs as a script (``.venv/bin/python bench/<name>.py``), so this folder is first on
``sys.path`` and ``import benchsupport`` finds this module; it puts the project root there too.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def ensure_database(url: str) -> None:
    """Create the benchmark's own database if it does not exist yet (tests and the demo never see it)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    """Point Django at ``url`` with tasks eager and no in-process scheduler, then migrate."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_EAGER"] = "1"
    os.environ["EMBEDDED_SCHEDULER"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def results_section_write(title: str, text: str) -> None:
    """Replace (or add) the section ``## title`` of bench/RESULTS.md with ``text``."""
    import re

    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = f"## {title}\n\n{text.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section + "\n", current).rstrip("\n") + "\n"
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    path.write_text(updated, encoding="utf-8")


def results_section_append(title: str, text: str) -> None:
    """Append ``text`` at the end of the section ``## title`` of bench/RESULTS.md (kept dated: earlier figures stay)."""
    import re

    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    found = pattern.search(current)
    if not found:
        results_section_write(title, text)
        return
    section = found.group(0).rstrip("\n") + f"\n\n{text.strip()}\n\n"
    path.write_text((current[:found.start()] + section + current[found.end():]).rstrip("\n") + "\n", encoding="utf-8")
