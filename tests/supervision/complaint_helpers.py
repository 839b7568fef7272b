"""Projects set straight into a state for complaint tests (the lifecycle itself is tested in test_lifecycle)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from trading.models import Candidate, Project, Registration, Status
from trading.services.projects import project_create


def project_in(world, *, status: str = Status.PUBLICITY, category: str = "construction",
               publicity_ends_at: dt.datetime | None = None, bid_deadline: dt.datetime | None = None) -> Project:
    """A project of the world's agency in ``status``, its five bidders registered, three ranked candidates."""
    extra = {"procurement_object": "goods"} if category == "government" else {}
    project = project_create(
        user=world.agency, tenderer=world.tenderer.organisation,
        sections=[{"code": "001", "name": "土建", "base_amount": "1000000.00", "base_type": "price_cap"}],
        title="阳光市体育中心改造工程", category=category, region="310000", procurement_method="open",
        evaluation_method="lowest_price", bid_deadline=bid_deadline or timezone.now() + dt.timedelta(days=30),
        **extra)
    now = timezone.now()
    section = project.sections.get()
    for bidder in world.bidders:
        Registration.objects.create(section=section, organisation=bidder.organisation, registered_by=bidder,
                                    registered_at=now, commitment_signed_at=now, commitment_signed_by=bidder)
    for rank, bidder in enumerate(world.bidders[:3], start=1):
        Candidate.objects.create(section=section, rank=rank, organisation=bidder.organisation,
                                 price=Decimal("900000.00") + rank * 10000)
    Project.objects.filter(pk=project.pk).update(
        status=status, announcement_at=now - dt.timedelta(days=40),
        publicity_ends_at=publicity_ends_at or (now + dt.timedelta(days=3) if status == Status.PUBLICITY else None))
    project.refresh_from_db()
    return project
