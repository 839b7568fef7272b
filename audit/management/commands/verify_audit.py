from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_verify


class Command(BaseCommand):
    help = "Walk the audit chain and report the first broken link; exit non-zero if there is one."

    def handle(self, *args, **options):
        report = audit_verify()
        if not report.ok:
            raise CommandError(f"audit chain BROKEN at #{report.broken_at}: {report.reason} "
                               f"({report.checked} events verified before it)")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} events verified"))
