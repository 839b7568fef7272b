"""An opening ready to happen: a published project past (or near) its deadline with bids on one section."""

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from bidding_room.services import session_schedule
from tests import factories
from trading.models import Bid, Project, Section, Status
from trading.services.projects import deal_code_make


@dataclass
class Opening:
    agency: object
    tenderer: object
    regulator: object
    bidders: list
    project: Project
    section: Section
    bids: list = field(default_factory=list)
    session: object = None


def opening(*, bidders: int = 3, deadline: dt.datetime | None = None, decryption_minutes: int = 30,
            objection_minutes: int = 10, names: list[str] | None = None, bids: bool = True,
            people: list | None = None) -> Opening:
    """A published project (deadline passed unless given), one section, one bid per bidder, its session scheduled.

    The project is written as the lifecycle leaves it at publication; the room's own steps are what the tests drive.
    """
    agency = factories.user(role=Role.AGENCY)
    tenderer = factories.user(role=Role.TENDERER)
    regulator = factories.user(role=Role.REGULATOR)
    people = list(people or [])
    for i in range(bidders):
        org = factories.organisation(name=names[i] if names else None)
        people.append(factories.user(role=Role.BIDDER, organisation_obj=org))
    deadline = deadline or timezone.now() - dt.timedelta(seconds=1)
    project = Project.objects.create(
        title="阳光市第一人民医院门诊楼改造工程施工", category="construction", tenderer=tenderer.organisation,
        agency=agency.organisation, region="310000", procurement_method="open", evaluation_method="lowest_price",
        bid_deadline=deadline, status=Status.PUBLISHED, created_by=agency, announcement_at=timezone.now(),
        decryption_window_minutes=decryption_minutes, objection_window_minutes=objection_minutes)
    project.deal_code = deal_code_make(region="310000", category="construction", year=2026, serial=project.pk)
    project.save(update_fields=["deal_code"])
    section = Section.objects.create(project=project, code="001", name="土建", base_amount=Decimal("1000000.00"),
                                     base_type="price_cap")
    world = Opening(agency=agency, tenderer=tenderer, regulator=regulator, bidders=people, project=project,
                    section=section)
    if bids:
        for person in people:
            world.bids.append(bid_for(section, person))
    world.session = session_schedule(section=section)
    return world


def bid_for(section: Section, person, content: bytes | None = None) -> Bid:
    """A bid row as bid_submit leaves it (the opening reads only its row until a bidder releases its key)."""
    content = content or uuid.uuid4().bytes
    return Bid.objects.create(section=section, organisation=person.organisation, submitted_by=person,
                              original_name="bid.sealed", storage_path=f"bids/{uuid.uuid4().hex}.bin",
                              size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                              submitted_at=timezone.now() - dt.timedelta(minutes=5))


def sealed_opening(*, bidders: int = 4, prices: list[str] | None = None, documents: dict | None = None,
                   unsealed: tuple[int, ...] = (), **kwargs) -> Opening:
    """An opening whose bids are real sealed envelopes (tests/sealed.py), each signed with its bidder's registered
    key and sealed to the project's opening key split among the default custodians. ``documents``: bidder index →
    the documents of its envelope (default one small text file). ``unsealed``: bidder indexes that get a key but no
    bid, to seal one themselves (the deadline then stays an hour ahead; the test moves it)."""
    from tests import sealed
    from trading.services.custody import opening_key_create

    world = opening(bidders=bidders, bids=False, deadline=timezone.now() + dt.timedelta(hours=1), **kwargs)
    officer = factories.user(role=Role.ADMIN)
    for custodian in (world.agency, world.regulator, officer):
        sealed.key_register(custodian)
    opening_key_create(project=world.project)
    for i, person in enumerate(world.bidders):
        sealed.key_register(person)
        if i in unsealed:
            continue
        price = (prices or [])[i] if prices and i < len(prices) else f"{880000 + i * 1000}.00"
        extra = {"documents": documents[i], "chunk_size": 1 << 16} if documents and i in documents else {}
        world.bids.append(sealed_bid(world.section, person, summary={"price": price}, **extra))
    if not unsealed:
        opening_starts(world)
    return world


def sealed_bid(section: Section, person, **envelope) -> Bid:
    """A real sealed envelope of ``person`` (its key registered: tests/sealed.py) stored as bid_submit stores it;
    ``envelope``: what tests.sealed.envelope_for takes (summary, documents, chunk_size)."""
    from pathlib import Path

    from django.conf import settings

    from tests import sealed

    content = sealed.envelope_for(section, person, **envelope)
    relative = f"bids/{uuid.uuid4().hex}.bin"
    path = Path(settings.PROTECTED_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    bid = bid_for(section, person, content)
    Bid.objects.filter(pk=bid.pk).update(storage_path=relative,
                                         signer_fingerprint=sealed.key_of(person).public_key.fingerprint)
    return Bid.objects.get(pk=bid.pk)


def opening_starts(world: Opening) -> None:
    """The bid deadline and the room's opening time move to a second ago (in the records: never waited for)."""
    Project.objects.filter(pk=world.project.pk).update(bid_deadline=timezone.now() - dt.timedelta(seconds=1))
    world.session.opens_at = timezone.now() - dt.timedelta(seconds=1)
    world.session.save(update_fields=["opens_at"])
