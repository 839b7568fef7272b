"""Compare the statistics rollup with the raw deals and, with --rebuild, recompute it.

    python manage.py rebuild_statistics            # prove the rollup equals the raw aggregate (exit 1 if not)
    python manage.py rebuild_statistics --rebuild  # recompute it from the raw rows, then prove it again
"""

from django.core.management.base import BaseCommand, CommandError

from stats.rollup import rollup_differences, rollup_rebuild
from stats.selectors import rollup_in_use


class Command(BaseCommand):
    help = "Prove the statistics rollup equals the raw aggregate of awards and deals; --rebuild recomputes it."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute the rollup from the raw rows first")

    def handle(self, *args, rebuild: bool = False, **options):
        if not rollup_in_use():
            self.stdout.write("SQLite: statistics read the raw awards directly; there is no rollup to check.")
            return
        if rebuild:
            rows = rollup_rebuild()
            self.stdout.write(f"rebuilt: {rows} rollup rows")
        differences = rollup_differences()
        if differences:
            for row in differences[:20]:
                self.stderr.write(f"differs: {row}")
            raise CommandError(f"{len(differences)} rollup rows differ from the raw aggregate; "
                               "run with --rebuild to recompute it")
        self.stdout.write(self.style.SUCCESS("the rollup equals the raw aggregate"))
