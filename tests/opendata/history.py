"""A procedure's whole history written as the services leave it (transitions, bids opened at the opening, award,
contract), with times in the past, so open data can be built from it."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.models import Organisation, Role
from tests import factories
from trading.models import Announcement, Award, Bid, Contract, Project, ProjectTransition, Section, Status
from trading.services.projects import deal_code_check_digit

SHANGHAI = ZoneInfo("Asia/Shanghai")
_serial = itertools.count(1)

PATH = [Status.DRAFT, Status.PUBLISHED, Status.DEADLINE_PASSED, Status.OPENING, Status.EVALUATION,
        Status.PUBLICITY, Status.READY_TO_AWARD, Status.AWARDED, Status.CONTRACT_SIGNED]


def t(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, 4, day, hour, tzinfo=SHANGHAI)


def procedure(*, upto: Status = Status.CONTRACT_SIGNED, bidders=None, title="区中心医院门诊楼改造工程",
              category="construction", base_type="price_cap"):
    """A tender with two sections (construction with price caps unless told); steps day by day in April 2025 up to
    ``upto``."""
    agency = factories.user(role=Role.AGENCY)
    tenderer = factories.organisation(org_type=Organisation.Type.TENDERER, name=f"某区卫生健康委员会{next(_serial)}")
    bidders = bidders or [factories.organisation(name=f"某建设工程有限公司{next(_serial)}") for _ in range(3)]
    code = f"310104{'01' if category == 'construction' else '02'}2025{9100000 + next(_serial):07d}"
    project = Project.objects.create(
        title=title, category=category, tenderer=tenderer, agency=agency.organisation, region="310104",
        procurement_method="open", evaluation_method="lowest_price", status=Status.DRAFT, created_by=agency,
        announcement_at=t(1), bid_deadline=t(22, 9), deal_code=code + deal_code_check_digit(code))
    sections = [Section.objects.create(project=project, code=code, name=f"第{n}标段", base_amount=Decimal(base),
                                       base_type=base_type)
                for n, (code, base) in enumerate((("001", "8000000.00"), ("002", "3000000.00")), start=1)]
    steps = PATH[:PATH.index(upto) + 1]
    days = {Status.PUBLISHED: 1, Status.DEADLINE_PASSED: 22, Status.OPENING: 22, Status.EVALUATION: 22,
            Status.PUBLICITY: 24, Status.READY_TO_AWARD: 28, Status.AWARDED: 29, Status.CONTRACT_SIGNED: 30}
    hours = {Status.DEADLINE_PASSED: 9, Status.OPENING: 9, Status.EVALUATION: 11}
    for before, after in itertools.pairwise(steps):
        ProjectTransition.objects.create(project=project, from_status=before, to_status=after, by=agency,
                                         by_label=agency.username, at=t(days[after], hours.get(after, 10)))
    Project.objects.filter(pk=project.pk).update(status=steps[-1])
    project.refresh_from_db()
    if upto != Status.DRAFT:
        Announcement.objects.create(project=project, kind=Announcement.Kind.AMENDMENT, title="变更公告：补充工程量清单",
                                    body="补充工程量清单。", published_at=t(5))
    bids = []
    if PATH.index(upto) >= PATH.index(Status.PUBLISHED):
        opened = PATH.index(upto) >= PATH.index(Status.EVALUATION)
        for n, (section, org) in enumerate(itertools.product(sections, bidders)):
            price = section.base_amount * Decimal("0.9") + n
            bids.append(Bid.objects.create(
                section=section, organisation=org, submitted_by=agency, original_name="投标文件.sealed",
                storage_path=f"x/{n}", size=1000, sha256="0" * 64, submitted_at=t(20, 9 + n % 3),
                state=Bid.State.OPENED if opened else Bid.State.SUBMITTED,
                opened_summary={"price": str(price)} if opened else None, opened_at=t(22, 10) if opened else None))
    if PATH.index(upto) >= PATH.index(Status.AWARDED):
        for section in sections:
            bid = next(b for b in bids if b.section_id == section.pk)
            award = Award.objects.create(section=section, organisation=bid.organisation, bid=bid,
                                         amount=Decimal(bid.opened_summary["price"]), base_amount=section.base_amount,
                                         base_type=section.base_type, awarded_at=t(29), awarded_by=agency)
            if upto == Status.CONTRACT_SIGNED:
                Contract.objects.create(award=award, signed_on=dt.date(2025, 4, 30), amount=award.amount,
                                        recorded_by=agency, recorded_at=t(30))
    return project, bidders
