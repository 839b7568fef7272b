"""Statistics of the intermediary marketplace (网上中介超市): deals, amounts and savings against the fee caps, by
service type and by selection method, with the ratings. Read from marketplace's own records (stats sits above it).

A deal is a purchase whose contract is recorded; it counts on the day the intermediary was selected (the day the
deal reaches the platform statistics through core.deals, as ``ExternalDeal`` source ``marketplace``). Savings =
fee cap − contract amount; savings rate = savings / fee caps.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum

from marketplace import conf
from marketplace.models import Contract, Method, Purchase, Rating

from .selectors import SHANGHAI

FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class MarketRow:
    key: str
    label: str
    deals: int
    caps: Decimal
    amount: Decimal

    @property
    def savings(self) -> Decimal:
        return self.caps - self.amount

    @property
    def savings_rate(self) -> Decimal | None:
        return (self.savings / self.caps).quantize(FOUR) if self.caps else None

    @property
    def savings_percent(self) -> Decimal | None:
        rate = self.savings_rate
        return None if rate is None else (rate * 100).quantize(Decimal("0.01"))

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "deals": self.deals, "caps": str(self.caps),
                "amount": str(self.amount), "savings": str(self.savings),
                "savings_rate": None if self.savings_rate is None else str(self.savings_rate)}


@dataclass(frozen=True)
class MarketStatistics:
    date_from: dt.date
    date_to: dt.date
    total: MarketRow
    by_service_type: list[MarketRow]
    by_method: list[MarketRow]
    posted: int
    failed: int
    ratings: int
    poor_ratings: int
    average_rating: Decimal | None

    def as_dict(self) -> dict:
        return {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
                "total": self.total.as_dict(), "by_service_type": [r.as_dict() for r in self.by_service_type],
                "by_method": [r.as_dict() for r in self.by_method], "posted": self.posted, "failed": self.failed,
                "ratings": self.ratings, "poor_ratings": self.poor_ratings,
                "average_rating": None if self.average_rating is None else str(self.average_rating)}


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=SHANGHAI)
    return start, dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)


def _rows(contracts, field: str, labels: dict[str, str]) -> list[MarketRow]:
    sums = {row[field]: row for row in contracts.values(field).annotate(
        deals=Count("pk"), caps=Sum("purchase__fee_cap"), amount=Sum("amount"))}
    return [MarketRow(key, labels.get(key, key), sums[key]["deals"], sums[key]["caps"], sums[key]["amount"])
            for key in labels if key in sums]


def marketplace_statistics(*, date_from: dt.date, date_to: dt.date) -> MarketStatistics:
    start, end = _bounds(date_from, date_to)
    contracts = Contract.objects.filter(purchase__selected_at__gte=start, purchase__selected_at__lt=end)
    total = contracts.aggregate(deals=Count("pk"), caps=Sum("purchase__fee_cap"), amount=Sum("amount"))
    types = {code: str(entry[0]) for code, entry in conf.service_types().items()}
    ratings = Rating.objects.filter(rated_at__gte=start, rated_at__lt=end).aggregate(
        n=Count("pk"), poor=Count("pk", filter=Q(poor=True)), average=Avg("score"))
    posted = Purchase.objects.filter(posted_at__gte=start, posted_at__lt=end)
    average = ratings["average"]
    return MarketStatistics(
        date_from=date_from, date_to=date_to,
        total=MarketRow("total", "", total["deals"], total["caps"] or Decimal(0), total["amount"] or Decimal(0)),
        by_service_type=_rows(contracts, "purchase__service_type", types),
        by_method=_rows(contracts, "purchase__method", {m.value: str(m.label) for m in Method}),
        posted=posted.count(), failed=posted.filter(state=Purchase.State.FAILED).count(),
        ratings=ratings["n"], poor_ratings=ratings["poor"],
        average_rating=None if average is None else Decimal(average).quantize(Decimal("0.01")),
    )


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(today.year, 1, 1), today


