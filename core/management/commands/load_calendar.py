import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.workdays import calendar_load, calendar_load_shipped, shipped_calendar_years


class Command(BaseCommand):
    help = "Load a year's public holidays and make-up working days (调休)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="a year shipped under core/calendars/")
        parser.add_argument("--file", type=Path, help="a JSON file in the same format")
        parser.add_argument("--all", action="store_true", help="every shipped year")

    def handle(self, *, year, file, all, **options):
        if file:
            try:
                loaded = [calendar_load(data=json.loads(file.read_text(encoding="utf-8")))]
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"cannot load {file}: {exc}") from exc
        elif all:
            loaded = [calendar_load_shipped(year=y) for y in shipped_calendar_years()]
        elif year:
            if year not in shipped_calendar_years():
                raise CommandError(
                    f"no calendar shipped for {year}; shipped: {shipped_calendar_years()}. "
                    "Write one in the same format and pass --file."
                )
            loaded = [calendar_load_shipped(year=year)]
        else:
            raise CommandError("give --year, --file or --all")
        for calendar_year in loaded:
            self.stdout.write(f"loaded {calendar_year.year}: {calendar_year.source}")
