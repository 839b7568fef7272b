"""Test data for the evaluation room: a project in evaluation with opened bids, and a confirmed committee.

Opened bids are made directly in state ``opened`` with their 开标一览表 (``opened_summary``):
this is test data standing for what the opening room produces, not a mock of it.
"""

import datetime as dt
import hashlib
import itertools
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organisation, Role
from expert_pool.models import Seat
from expert_pool.services import draws
from expert_pool.services.section_draw import section_draw_request_create
from tests import factories
from tests.expert_pool import factories as expert_factories
from trading.lifecycle import project_transition
from trading.models import Bid, Project, Status
from trading.services.projects import project_create

_serial = itertools.count(1)

COMPREHENSIVE = [
    {"name": "价格", "kind": "price", "weight": 40},
    {"name": "技术", "kind": "technical", "weight": 50},
    {"name": "商务", "kind": "business", "weight": 10},
]


class Setup:
    def __init__(self, *, method: str = "comprehensive", prices=("1000000", "900000", "950000"), members: int = 5,
                 category: str = "construction", base_amount: str = "1200000.00", criteria=None):
        self.tenderer = factories.organisation(org_type=Organisation.Type.TENDERER)
        self.agency_user = factories.user(role=Role.AGENCY)
        self.agency = self.agency_user.organisation
        self.regulator = factories.user(role=Role.REGULATOR)
        extra = {"procurement_object": "works"} if category == "government" else {}
        self.project = project_create(
            user=self.agency_user, tenderer=self.tenderer, title="阳光市图书馆改造工程", category=category,
            region="310000", procurement_method="open", evaluation_method=method,
            evaluation_criteria=criteria if criteria is not None else (COMPREHENSIVE if method == "comprehensive"
                                                                        else []),
            sections=[{"code": "001", "name": "施工", "base_amount": base_amount, "base_type": "price_cap"}], **extra)
        self.section = self.project.sections.get()
        self.bidder_users = []
        self.bids = []
        start = timezone.now() - dt.timedelta(days=1)
        for index, price in enumerate(prices):
            user = factories.user(role=Role.BIDDER)
            self.bidder_users.append(user)
            self.bids.append(opened_bid(section=self.section, user=user, price=price,
                                        submitted_at=start + dt.timedelta(minutes=index)))
        Project.objects.filter(pk=self.project.pk).update(status=Status.OPENING)
        self.project.refresh_from_db()
        self.experts = [expert_factories.expert() for _ in range(members + 3)]

    def draw(self, *, members: int = 5):
        self.request = section_draw_request_create(
            section=self.section, requested_by=self.agency_user, composition=[{"specialty": "A0801", "count": members}],
            regions=["310000"], evaluation_starts_at=expert_factories.evaluation_window()[0],
            evaluation_ends_at=expert_factories.evaluation_window()[1], reserve_size=3)
        draws.draw_perform(request=self.request)
        for seat in self.members():
            draws.seat_answer(seat=seat, accept=True)
        return self.request

    def members(self):
        return list(Seat.objects.filter(request=self.request, role=Seat.Role.MEMBER,
                                        state__in=["notified", "confirmed"]).select_related("expert__user")
                    .order_by("group", "position"))

    def to_evaluation(self):
        project_transition(project=self.project, to=Status.EVALUATION)


def opened_bid(*, section, user, price, submitted_at, **summary) -> Bid:
    return Bid.objects.create(
        section=section, organisation=user.organisation, submitted_by=user, state=Bid.State.OPENED,
        original_name="bid.sealed", storage_path=f"test/{next(_serial)}", size=1,
        sha256=hashlib.sha256(str(price).encode()).hexdigest(), submitted_at=submitted_at,
        opened_summary={"price": str(Decimal(price)), "duration": "300天", "quality": "合格", **summary},
        opened_at=timezone.now(),
    )
