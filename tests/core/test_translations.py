"""Chinese is the default language: every catalogue is complete and its compiled .mo matches the .po."""

import gettext
import subprocess
from pathlib import Path

import pytest

from tests.servers import ROOT

CATALOGUES = sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_app_with_text_has_a_catalogue():
    assert {p.parts[-5] for p in CATALOGUES} >= {"core", "accounts", "audit", "credit", "trading", "supervision",
                                                  "stats"}


@pytest.mark.parametrize("po", CATALOGUES, ids=[p.parts[-5] for p in CATALOGUES])
def test_catalogue_is_complete_and_compiled(po: Path, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
    fresh = gettext.GNUTranslations(compiled.open("rb"))._catalog
    untranslated = [msgid for msgid, msgstr in fresh.items() if msgid and not msgstr]
    assert not untranslated, f"untranslated in {po}: {untranslated[:5]}"
    stats = subprocess.run(["msgfmt", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert "untranslated" not in stats.stderr and "fuzzy" not in stats.stderr, stats.stderr
    committed = gettext.GNUTranslations(po.with_suffix(".mo").open("rb"))._catalog
    assert committed == fresh, f"{po.with_suffix('.mo')} is stale: run compilemessages in {po.parts[-5]}/"
