"""Production never runs with demo data: demo organisations have public passwords, demo keys public passphrases.

Each app's ``demo`` module (the one ``seed_demo`` runs) may offer ``leftovers() -> list[str]``: what of its demo
data is present. Production (SUNSHINE_ENV=production) refuses to start while any is (config/asgi.py,
config/celery.py), and ``seed_demo`` refuses to run there at all.
"""

import contextlib
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import ProgrammingError


def demo_leftovers() -> list[str]:
    found: list[str] = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.demo"
        if config.path.startswith(str(settings.BASE_DIR)) and find_spec(module_name):
            leftovers = getattr(import_module(module_name), "leftovers", None)
            if leftovers is not None:
                # tables not made yet (before the first migrate): no demo data either
                with contextlib.suppress(ProgrammingError):
                    found += leftovers()
    return found


def refuse_demo_in_production() -> None:
    """In production: ImproperlyConfigured naming every demo leftover, so the process does not start."""
    if not getattr(settings, "PRODUCTION", False):
        return
    found = demo_leftovers()
    if found:
        raise ImproperlyConfigured(
            "Production refuses to start while demo data exists (its passwords and key passphrases are public): "
            + "; ".join(found) + ". Remove it, or use a fresh database and VAR_DIR.")
