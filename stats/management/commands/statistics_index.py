"""Index the statistics rollup in Elasticsearch (ELASTICSEARCH_URL) for the aggregation path."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Rebuild the Elasticsearch index of the statistics rollup (stats.elastic)."

    def handle(self, *args, **options):
        if not getattr(settings, "ELASTICSEARCH_URL", None):
            raise CommandError("ELASTICSEARCH_URL is not set: statistics read the database rollup only")
        from stats.elastic import statistics_index

        self.stdout.write(f"indexed {statistics_index()} rollup rows")
