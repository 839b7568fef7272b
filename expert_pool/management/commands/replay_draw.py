import json

from django.core.management.base import BaseCommand, CommandError

from core import draw as draw_algorithm
from expert_pool.models import DrawRequest
from expert_pool.selectors.draws import draw_record


class Command(BaseCommand):
    help = "Replay an announced expert draw from its published record and compare it with the recorded result."

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
        seed = bytes.fromhex(record["seed"])
        checks = {
            "commitment = SHA-256(seed)": draw_algorithm.commitment_of(seed) == record["commitment"],
            "request hash": draw_algorithm.request_hash_of(record["request"]) == record["request_hash"],
            "pool hash": draw_algorithm.pool_hash_of(record["pool"]) == record["pool_hash"],
        }
        replayed = draw_algorithm.draw(seed=seed, request=record["request"], pool=record["pool"])
        checks["members and reserves"] = replayed.as_dict()["groups"] == record["result"]["groups"]
        for name, ok in checks.items():
            self.stdout.write(f"{'OK ' if ok else 'BAD'} {name}")
        if not all(checks.values()):
            raise CommandError("The replay does not match the published record.")
        self.stdout.write(self.style.SUCCESS(f"draw {draw_request} replays exactly"))
