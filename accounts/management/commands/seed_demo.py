from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.context import Actor, acting_as


class Command(BaseCommand):
    help = "Create a believable demo world. Safe to run again: it only adds what is missing."

    def handle(self, *args, **options):
        from django.conf import settings

        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run in production (SUNSHINE_ENV=production): demo people have "
                               "public passwords and demo keys public passphrases.")
        with acting_as(Actor(label="seed_demo", source="command")), transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if config.path.startswith(str(_project_root())) and find_spec(module_name):
                    import_module(module_name).seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data ready"))


def _project_root():
    from django.conf import settings

    return settings.BASE_DIR
