import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import protocol_events_in_chain
from core import draw as core_draw
from marketplace.models import Purchase
from marketplace.selectors import draw_record


class Command(BaseCommand):
    help = ("Replay a marketplace random draw (随机抽取) from its published record — the purchase's, or a record "
            "saved from the public page — with the expert draw's algorithm (core.draw, format 1 or 2), check every "
            "step and compare.")

    def add_arguments(self, parser):
        parser.add_argument("purchase", nargs="?", type=int, help="id of the purchase")
        parser.add_argument("--file", help="a published record saved as JSON, instead of a purchase id")
        parser.add_argument("--json", action="store_true", help="print the record too")

    def handle(self, *args, purchase: int | None, **options):
        found = None
        if options["file"]:
            try:
                record = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the record: {exc}") from exc
        elif purchase is not None:
            found = Purchase.objects.filter(pk=purchase).first()
            if found is None:
                raise CommandError(f"There is no purchase {purchase}.")
            record = draw_record(purchase=found)
        else:
            raise CommandError("Name a purchase id or --file.")
        if "seed" not in record:
            raise CommandError("This purchase has no finished random draw to replay.")
        if options["json"]:
            self.stdout.write(json.dumps(record, ensure_ascii=False, indent=2))
        checks = dict(core_draw.record_verify(record))
        if found is not None and record.get("events"):  # on the platform: the events are the audit chain's own
            checks["the events are the audit chain's"] = protocol_events_in_chain(obj=found, events=record["events"])
        for name, ok in checks.items():
            self.stdout.write(f"{'OK ' if ok else 'BAD'} {name}")
        if not all(checks.values()):
            raise CommandError("The replay does not match the published record.")
        self.stdout.write(self.style.SUCCESS(f"draw of {record['number']} replays exactly"))
