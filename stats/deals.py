"""The recorder stats registers with core.deals: a deal from another app becomes an ``ExternalDeal`` row, and the
rollup triggers add it to the statistics in the caller's transaction."""

from core.deals import Deal

from .models import ExternalDeal


def external_deal_record(deal: Deal) -> None:
    ExternalDeal.objects.update_or_create(source=deal.source, key=deal.key, defaults={
        "project_key": deal.project_key, "category": deal.category, "region": deal.region,
        "concluded_at": deal.concluded_at, "base_type": deal.base_type, "base_amount": deal.base_amount,
        "amount": deal.amount})


def external_deal_withdraw(source: str, key: str) -> None:
    ExternalDeal.objects.filter(source=source, key=key).delete()
