from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.context import Actor, acting_as
from deposits.services import bank_adapter_create, bank_adapter_deactivate


class Command(BaseCommand):
    help = ("Register a bank adapter that reports deposit arrivals and print its token once (sent as "
            "'Authorization: Bank <token>'); with --deactivate, switch an adapter off.")

    def add_arguments(self, parser):
        parser.add_argument("name", help="The bank's name, e.g. 中国工商银行阳光分行")
        parser.add_argument("--deactivate", action="store_true", help="Refuse this adapter's token from now on.")

    def handle(self, *args, name, deactivate, **options):
        try:
            with acting_as(Actor(label="deposits_bank_adapter", source="command")), transaction.atomic():
                if deactivate:
                    adapter = bank_adapter_deactivate(name=name)
                    self.stdout.write(f"bank adapter {adapter.name} (#{adapter.pk}) switched off")
                    return
                adapter, token = bank_adapter_create(name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"bank adapter {adapter.name} (#{adapter.pk}); its token, shown only now:")
        self.stdout.write(token)
