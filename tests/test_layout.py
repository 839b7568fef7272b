"""The house keeps its shape (docs/architecture.md): apps depend one way, pages live in templates/<app>/, modules
stay small enough to hold in mind.

``LAYERS`` is the rule: an app may import the apps of the layers below its own, never a peer of its layer nor
anything above. ``sealing`` is plain Python that the bidder tool runs on its own: it imports neither Django nor
any app. Every import counts, including those inside functions: a lazy import is still a dependency.
"""

import ast
from pathlib import Path

import pytest

from tests.servers import ROOT

LAYERS: list[set[str]] = [
    {"core"},
    {"audit"},
    {"accounts"},
    {"credit"},
    {"deposits"},
    {"trading"},
    {"bidding_room", "expert_pool", "auctions", "marketplace"},
    {"supervision", "stats", "opendata"},
]
STANDALONE = {"sealing"}
NOT_APPS = {"config", "tests", "bench", "templates", "static", "docs", "var"}
MAX_LINES = 800


def platform_apps(root: Path = ROOT) -> set[str]:
    return {p.name for p in root.iterdir()
            if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_APPS}


def allowed(app: str) -> set[str]:
    """The apps ``app`` may import: those of every layer below its own (nothing for a standalone package)."""
    below: set[str] = set()
    for layer in LAYERS:
        if app in layer:
            return below | STANDALONE
        below |= layer
    return set()


def python_files(app_dir: Path):
    return (f for f in sorted(app_dir.rglob("*.py")) if "migrations" not in f.relative_to(app_dir).parts)


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def violations(root: Path = ROOT) -> list[str]:
    """Every import that breaks the rule, as "file: imports X", for the apps under ``root``."""
    apps = platform_apps(root)
    found = []
    for app in sorted(apps):
        may = allowed(app)
        for path in python_files(root / app):
            for module in sorted(imported_modules(path.read_text(encoding="utf-8"))):
                top = module.split(".")[0]
                if app in STANDALONE and top in {"django", "rest_framework", "channels", "celery"}:
                    found.append(f"{path.relative_to(root)}: imports {module} (sealing is plain Python)")
                elif top in apps and top != app and top not in may:
                    found.append(f"{path.relative_to(root)}: imports {module}")
    return found


def test_every_app_has_its_place_in_the_layers():
    placed = set().union(*LAYERS) | STANDALONE
    assert platform_apps() - placed == set(), "add the new app to LAYERS here and to docs/architecture.md"


def test_apps_depend_one_way():
    assert violations() == []


def test_the_rule_catches_an_upward_import_and_a_peer_import(tmp_path):
    """The checker itself can fail: trading importing supervision (upward) and stats importing opendata (a peer)."""
    for app, source in {"trading": "from supervision.models import Complaint\n",
                        "supervision": "import trading.models\n",
                        "stats": "def f():\n    from opendata import releases\n",
                        "opendata": "", "sealing": "from django.conf import settings\n"}.items():
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
        (tmp_path / app / "module.py").write_text(source)
    assert violations(tmp_path) == [
        "sealing/module.py: imports django.conf (sealing is plain Python)",
        "stats/module.py: imports opendata",
        "trading/module.py: imports supervision.models",
    ]


def test_pages_live_in_the_top_level_templates_folder():
    assert (ROOT / "templates" / "base.html").exists()
    assert [str(p.relative_to(ROOT)) for p in ROOT.glob("*/templates") if p.parent.name in platform_apps()] == []
    for folder in (ROOT / "templates").iterdir():
        if folder.is_dir():
            assert folder.name in platform_apps(), f"templates/{folder.name}/ belongs to no app"


def test_trading_holds_no_complaints_or_statistics():
    leftovers = [str(p.relative_to(ROOT)) for p in (ROOT / "trading").rglob("*")
                 if "migrations" not in p.parts and ("complaint" in p.name or "stats" in p.name
                                                     or "statistic" in p.name)]
    assert leftovers == []


@pytest.mark.parametrize("app", sorted(platform_apps() | {"config", "bench"}))
def test_no_module_is_too_long_to_hold_in_mind(app):
    long = {str(f.relative_to(ROOT)): n for f in python_files(ROOT / app)
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these by sub-domain (STYLE.md): {long}"
