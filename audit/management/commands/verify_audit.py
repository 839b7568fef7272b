import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import sealing
from audit.checkpoints import CheckpointFileError, checkpoints_parse
from audit.selectors import audit_verify


class Command(BaseCommand):
    help = ("Walk the audit chain and report the first broken link, proving it against the signed checkpoints "
            "(stored ones, and a published copy with --checkpoints); exit non-zero if it fails.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoints", metavar="FILE|URL",
                            help="a copy of the published checkpoints (/api/audit/checkpoints/?all=1), kept "
                                 "outside this database: a file, or the URL of the portal that published them")
        parser.add_argument("--key", metavar="PEM", help="the platform's public key file (default: this "
                                                         "installation's platform key)")

    def handle(self, *args, checkpoints=None, key=None, **options):
        extra = self.load(checkpoints) if checkpoints else []
        public_key = None
        if key:
            try:
                public_key = sealing.public_key_load(Path(key).read_text(encoding="utf-8"))
            except (OSError, sealing.KeyFileError) as exc:
                raise CommandError(f"cannot read the platform key {key}: {exc}") from exc
        report = audit_verify(checkpoints=extra, public_key=public_key)
        if not report.ok:
            raise CommandError(f"audit chain BROKEN at #{report.broken_at}: {report.reason} "
                               f"({report.checked} events verified before it)")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} events verified, "
                                             f"proved against {report.proved} signed checkpoints"))

    def load(self, source: str) -> list:
        try:
            if source.startswith(("http://", "https://")):
                url = source if "all=" in source else source + ("&" if "?" in source else "?") + "all=1"
                with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (http(s) only, checked above)
                    text = response.read()
            else:
                text = Path(source).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read the checkpoints from {source}: {exc}") from exc
        try:
            _, found = checkpoints_parse(text)
        except CheckpointFileError as exc:
            raise CommandError(f"{source} is not a checkpoint document: {exc}") from exc
        if not found:
            raise CommandError(f"{source} holds no checkpoints")
        return found
