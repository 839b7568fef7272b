"""Sales for tests, built through the services; times moved in the database rather than waited for."""

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organisation, Role
from auctions import rights, services
from auctions.models import Application, Lot, Method, Sale, Subject
from deposits import services as deposits_services
from deposits.models import DepositRequirement
from tests import factories

_refs = itertools.count(1)


@dataclass
class World:
    agency: object
    seller: object
    official: object
    regulator: object
    bidders: list = field(default_factory=list)


def world(*, bidders: int = 3) -> World:
    seller = factories.organisation(org_type=Organisation.Type.TENDERER, name=f"阳光市自然资源和规划局{next(_refs)}")
    return World(agency=factories.user(role=Role.AGENCY), seller=seller, official=factories.user(role=Role.OFFICIAL),
                 regulator=factories.user(role=Role.REGULATOR),
                 bidders=[factories.user(role=Role.BIDDER) for _ in range(bidders)])


def sale(w: World, *, subject: str = Subject.LAND, method: str = Method.LISTING, lots: int = 1,
         valuation: str | None = None, publish: bool = True, starting_price: str = "10000000.00",
         increment: str = "100000.00") -> Sale:
    now = timezone.now()
    starts = now + dt.timedelta(days=45)
    made = services.sale_create(
        user=w.agency, title="阳光市2026-08号地块国有建设用地使用权网上挂牌出让", subject=subject, kind="grant",
        method=method, region="310115", seller=w.seller, reserve_official=w.official, starts_at=starts,
        listing_ends_at=starts + dt.timedelta(days=10) if method == Method.LISTING else None,
        application_deadline=starts - dt.timedelta(days=1),
        lots=[{"title": f"地块{n}", "starting_price": starting_price, "increment": increment,
               "deposit": "2000000.00", "valuation": valuation} for n in range(1, lots + 1)])
    if publish:
        services.notice_publish(sale=made, user=w.agency)
    return made


def deposit_arrives(application: Application, *, at=None) -> None:
    """The bank reports the deposit in full on the applicant's virtual sub-account."""
    account = rights.account_of(application)
    deposits_services.arrival_record(sub_account=account.sub_account, amount=account.requirement.amount,
                                     bank_reference=f"BANK{next(_refs)}", arrived_at=at or timezone.now())


def bidder_ready(w: World, lot: Lot, user) -> Application:
    """Apply, be qualified, have the deposit arrive: the bidder holds its 竞买号."""
    application = services.application_submit(lot=lot, user=user)
    deposit_arrives(application)
    return services.application_review(application=application, user=w.agency, qualified=True)


def starts_now(sale_obj: Sale) -> None:
    """The start passes now (applications closed a second ago); nothing waited for."""
    now = timezone.now()
    Sale.objects.filter(pk=sale_obj.pk).update(
        starts_at=now - dt.timedelta(seconds=2), application_deadline=now - dt.timedelta(seconds=3),
        listing_ends_at=now + dt.timedelta(days=1) if sale_obj.method == Method.LISTING else None)


def deadline_passes(sale_obj: Sale) -> None:
    """The deposit deadline passes now (the sale's and the ledger's record)."""
    past = timezone.now() - dt.timedelta(seconds=1)
    Sale.objects.filter(pk=sale_obj.pk).update(application_deadline=past)
    DepositRequirement.objects.filter(purpose_type=rights.PURPOSE,
                                      purpose_id__in=[str(pk) for pk in sale_obj.lots.values_list("pk", flat=True)]
                                      ).update(deadline=past)


def listing_ends(sale_obj: Sale) -> None:
    Sale.objects.filter(pk=sale_obj.pk).update(listing_ends_at=timezone.now() - dt.timedelta(seconds=1))


def countdown_ends(lot: Lot) -> None:
    Lot.objects.filter(pk=lot.pk).update(live_ends_at=timezone.now() - dt.timedelta(seconds=1))


def money(text: str) -> Decimal:
    return Decimal(text)
