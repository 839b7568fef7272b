"""Projects whose opening is over, built straight in the database for the signal and red-flag tests."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from expert_pool.models import DrawRequest, Evaluation
from tests import factories
from trading.models import Award, Bid, OpenedDocument, Project, Section, Status

_serial = itertools.count(1)


def bidder(*, phone: str = ""):
    person = factories.user(role=Role.BIDDER)
    if phone:
        person.phone = phone
        person.save(update_fields=["phone"])
    return person


def project(*, tenderer_user, agency=None, status: str = Status.AWARDED, method: str = "open", days: int = 25,
            base: str = "1000000.00", base_type: str = "price_cap", region: str = "310000") -> Project:
    now = timezone.now()
    deadline = now - dt.timedelta(days=2)
    made = Project.objects.create(
        title=f"阳光市测试工程{next(_serial)}", category="construction", tenderer=tenderer_user.organisation,
        agency=agency, region=region, procurement_method=method, evaluation_method="lowest_price",
        announcement_at=deadline - dt.timedelta(days=days), bid_deadline=deadline, status=status,
        created_by=tenderer_user)
    Section.objects.create(project=made, code="001", name="施工", base_amount=Decimal(base), base_type=base_type)
    return made


def bid(section: Section, person, *, price: str | None, manager: str = "", address: str = "",
        installation: str = "", state: str = Bid.State.OPENED, fields: dict | None = None,
        documents: list[dict] = ()) -> Bid:
    summary = None if price is None else {"price": price, "duration": "365天", "quality": "合格",
                                          "project_manager": manager, "fields": fields or {}}
    made = Bid.objects.create(
        section=section, organisation=person.organisation, submitted_by=person, state=state,
        original_name="bid.sealed", storage_path=f"bids/x/{next(_serial)}.sealed", size=100, sha256="0" * 64,
        submitted_at=section.project.bid_deadline - dt.timedelta(hours=1), opened_summary=summary,
        client_address=address, client_installation=installation, client_agent="Mozilla/5.0")
    for document in documents:
        OpenedDocument.objects.create(bid=made, name=document.get("name", "技术标.pdf"), size=10,
                                      sha256=document.get("sha256", f"{next(_serial):064d}"),
                                      author=document.get("author", ""), company=document.get("company", ""))
    return made


def award(section: Section, winner_bid: Bid, *, amount: str | None = None) -> Award:
    return Award.objects.create(section=section, organisation=winner_bid.organisation, bid=winner_bid,
                                amount=Decimal(amount or winner_bid.opened_summary["price"]),
                                base_amount=section.base_amount, base_type=section.base_type,
                                awarded_at=timezone.now(), awarded_by=winner_bid.submitted_by)


def disqualify(section: Section, bids: list[Bid], *, by) -> Evaluation:
    """The evaluation of ``section`` found ``bids`` invalid (report signed)."""
    now = timezone.now()
    request = DrawRequest.objects.create(
        section=section, title=section.project.title, requested_by=by, tenderer=section.project.tenderer,
        evaluation_starts_at=now, evaluation_ends_at=now + dt.timedelta(hours=4), committed_at=now,
        seed="0" * 64, commitment="0" * 64)
    return Evaluation.objects.create(section=section, draw_request=request, method="lowest_price",
                                     result={"invalid": [b.pk for b in bids], "ranking": []}, opened_at=now,
                                     state=Evaluation.State.REPORTED)
