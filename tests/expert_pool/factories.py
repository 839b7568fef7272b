"""Factories for the expert pool: experts and draw requests through the services."""

import datetime as dt
import itertools

from django.utils import timezone

from accounts.models import Organisation, Role
from core import workdays
from expert_pool.services import draws, registry
from tests import factories

_serial = itertools.count(1)


def expert(*, specialty: str = "A080101", secondary: list[str] = (), region: str = "310000", employer=None,
           employer_name: str | None = None, status: str = "active"):
    user = factories.user(role=Role.EXPERT)
    return registry.expert_create(
        user=user, id_number=f"T-{next(_serial):06d}", primary_specialty=specialty,
        secondary_specialties=list(secondary), title="senior", years_of_practice=10,
        employer_name=employer_name or (employer.name if employer else f"某设计院{next(_serial)}"),
        employer_credit_code=employer.credit_code if employer else "", region=region, status=status,
    )


def evaluation_window(*, working_days_ahead: int = 1, hours: int = 4) -> tuple[dt.datetime, dt.datetime]:
    day = workdays.add_working_days(workdays.today(), working_days_ahead)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    return start, start + dt.timedelta(hours=hours)


def parties():
    return {
        "tenderer": factories.organisation(org_type=Organisation.Type.TENDERER),
        "agency": factories.organisation(org_type=Organisation.Type.AGENCY),
        "regulator": factories.organisation(org_type=Organisation.Type.REGULATOR),
        "bidders": [factories.organisation(org_type=Organisation.Type.BIDDER) for _ in range(3)],
    }


def draw_request(*, who=None, composition=None, window=None, regions=("310000",), reserve_size: int = 2,
                 tenderer_representatives: int = 0, **overrides):
    who = who or parties()
    start, end = window or evaluation_window()
    requester = factories.user(role=Role.AGENCY, organisation_obj=who["agency"])
    fields = {
        "requested_by": requester, "title": "某综合楼施工总承包", "reference": f"SH-2026-{next(_serial):04d}",
        "tenderer": who["tenderer"], "agency": who["agency"], "regulator": who["regulator"],
        "bidders": who["bidders"], "composition": composition or [{"specialty": "A0801", "count": 5}],
        "regions": list(regions), "evaluation_starts_at": start, "evaluation_ends_at": end,
        "reserve_size": reserve_size, "tenderer_representatives": tenderer_representatives,
    }
    fields.update(overrides)
    return draws.draw_request_create(**fields)
