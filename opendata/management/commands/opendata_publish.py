"""Publish the OCDS releases of recent events (as the sweep does), or of every project with --all."""

from django.core.management.base import BaseCommand

from audit.context import Actor, acting_as
from opendata.services import releases_publish_all, releases_publish_recent


class Command(BaseCommand):
    help = "Publish the OCDS releases not yet published (recent events; --all for every project)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every project, not only those changed recently")

    def handle(self, *args, all: bool = False, **options):
        with acting_as(Actor(label="opendata_publish", source="command")):
            stored = releases_publish_all() if all else releases_publish_recent()
        self.stdout.write(f"published {stored} releases")
