import json

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import protocol_events_in_chain
from core import draw as draw_algorithm
from expert_pool.models import DrawRequest
from expert_pool.selectors.draws import draw_record


class Command(BaseCommand):
    help = ("Replay an announced expert draw (format 1 or 2) from its published record, check every step and compare "
            "it with the recorded result.")

    def add_arguments(self, parser):
        parser.add_argument("draw_request", type=int, help="id of the draw request")
        parser.add_argument("--json", action="store_true", help="print the published record too")

    def handle(self, *args, draw_request: int, **options):
        request = DrawRequest.objects.filter(pk=draw_request).first()
        if request is None:
            raise CommandError(f"There is no draw request {draw_request}.")
        record = draw_record(request=request)
        if "seed" not in record:
            raise CommandError("The seed of this draw is revealed only when the result is announced; "
                               f"its state is {request.state!r}.")
        if options["json"]:
            self.stdout.write(json.dumps(record, ensure_ascii=False, indent=2))
        checks = dict(draw_algorithm.record_verify(record))
        if record.get("events"):  # on the platform: the events the record names are those of the audit chain
            checks["the events are the audit chain's"] = protocol_events_in_chain(obj=request, events=record["events"])
        for name, ok in checks.items():
            self.stdout.write(f"{'OK ' if ok else 'BAD'} {name}")
        if not all(checks.values()):
            raise CommandError("The replay does not match the published record.")
        self.stdout.write(self.style.SUCCESS(f"draw {draw_request} replays exactly"))
