"""Extract, merge and compile every app's zh-Hans catalogue (``make messages``).

Each app keeps its own catalogue in ``<app>/locale/zh_Hans/`` with the strings of its code and of its pages in
``templates/<app>/`` (``core`` takes the shared layout, ``templates/*.html`` and ``templates/core/``). Django's
``makemessages`` extracts only below the directory it runs in, so the app's templates are linked into it for the
run. A string that moved between apps keeps its translation: every existing catalogue is the compendium that
fills a new entry (polib). What no catalogue knows yet stays untranslated, and tests/core/test_translations.py says so.
"""

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

if TYPE_CHECKING:
    import polib

LOCALE = "zh_Hans"
LINK = "_templates"


def platform_apps() -> list[str]:
    """The project's own apps (those under BASE_DIR), in INSTALLED_APPS order."""
    root = Path(settings.BASE_DIR).resolve()
    return [c.name for c in apps.get_app_configs() if Path(c.path).resolve().parent == root]


def catalogue(app: str) -> Path:
    return Path(settings.BASE_DIR) / app / "locale" / LOCALE / "LC_MESSAGES" / "django.po"


@contextmanager
def templates_linked(app: str):
    """Link the app's pages (``templates/<app>/``; for core the shared layout too) into ``<app>/_templates``."""
    base = Path(settings.BASE_DIR)
    link_dir = base / app / LINK
    link_dir.mkdir(exist_ok=True)
    sources = [base / "templates" / app]
    if app == "core":
        sources += sorted((base / "templates").glob("*.html"))
    try:
        for source in sources:
            if source.exists():
                (link_dir / source.name).symlink_to(source)
        yield
    finally:
        shutil.rmtree(link_dir)


def known_translations(pos: list[Path]) -> dict[tuple[str | None, str, str | None], "polib.POEntry"]:
    """Every translated entry of the given catalogues, by (context, msgid, plural); the first one seen wins."""
    import polib  # a development tool: only `make messages` needs it

    known: dict = {}
    for po in pos:
        for entry in polib.pofile(str(po)).translated_entries():
            known.setdefault((entry.msgctxt, entry.msgid, entry.msgid_plural or None), entry)
    return known


class Command(BaseCommand):
    help = "Extract every app's strings (code and templates/<app>/) into its zh-Hans catalogue, keep known " \
           "translations, compile."

    def handle(self, *args, **options):
        import polib  # a development tool: only `make messages` needs it

        names = [app for app in platform_apps() if app != "sealing"]
        known = known_translations([catalogue(app) for app in names if catalogue(app).exists()])
        here = os.getcwd()
        for app in names:
            catalogue(app).parent.mkdir(parents=True, exist_ok=True)
            with templates_linked(app):
                os.chdir(Path(settings.BASE_DIR) / app)
                try:
                    call_command("makemessages", locale=[LOCALE], symlinks=True, no_obsolete=True, verbosity=0,
                                 ignore_patterns=["migrations/*", "tests/*"])
                finally:
                    os.chdir(here)
            path = catalogue(app)
            if not path.exists():
                continue
            po = polib.pofile(str(path))
            filled = 0
            for entry in po:
                entry.occurrences = [(f"../templates/{name[len(LINK) + 1:]}" if name.startswith(f"{LINK}/") else name,
                                      line) for name, line in entry.occurrences]
            for entry in po.untranslated_entries():
                source = known.get((entry.msgctxt, entry.msgid, entry.msgid_plural or None))
                if source is not None:
                    entry.msgstr, entry.msgstr_plural = source.msgstr, dict(source.msgstr_plural)
                    filled += 1
            po.save()
            subprocess.run(["msgfmt", "--check-format", "-o", str(path.with_suffix(".mo")), str(path)], check=True)
            missing = len(po.untranslated_entries()) + len(po.fuzzy_entries())
            self.stdout.write(f"{app}: {path.relative_to(settings.BASE_DIR)} ({filled} carried over, "
                              f"{missing} to translate)")
