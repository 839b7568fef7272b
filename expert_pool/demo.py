"""Demo profiles for the 36 demo experts (expert01 .. expert36 from accounts.demo), and a committee drawn for the
demo agency in which expert01 has a seat to confirm (its 工作台 shows it: the expert journey starts there)."""

import datetime as dt

from django.utils import timezone

from accounts.demo import DEMO_EXPERT_COUNT
from accounts.models import Organisation, User
from core import workdays

from .models import Expert, Relation, Seat, Title
from .services.draws import draw_perform, draw_request_create
from .services.registry import expert_create, expert_status_set, relation_declare

SPECIALTIES = ["A080101", "A080102", "A080103", "A080104", "A080201", "A080202", "A080501", "A080502",
               "A0806", "B0101", "B0201", "B0202"]
EMPLOYERS = ["同济大学建筑设计研究院", "阳光市建筑科学研究院", "华东建筑设计研究总院", "阳光市第一人民医院",
             "阳光理工大学", "阳光市造价管理协会", "东方路桥建设有限公司", "阳光市信息中心"]
TITLES = [Title.SENIOR_FULL, Title.SENIOR, Title.SENIOR, Title.INTERMEDIATE]


def seed(*, stdout) -> None:
    created = 0
    for n in range(1, DEMO_EXPERT_COUNT + 1):
        user = User.objects.filter(username=f"expert{n:02d}").first()
        if user is None or Expert.objects.filter(user=user).exists():
            continue
        primary = SPECIALTIES[n % len(SPECIALTIES)]
        secondary = [SPECIALTIES[(n + 5) % len(SPECIALTIES)]] if n % 3 == 0 else []
        employer_name = EMPLOYERS[n % len(EMPLOYERS)]
        employer = Organisation.objects.filter(name=employer_name).first()
        expert = expert_create(
            user=user, id_number=f"SH-PBZJ-{2026_0000 + n}", primary_specialty=primary,
            secondary_specialties=secondary, title=TITLES[n % len(TITLES)], years_of_practice=8 + n % 20,
            employer_name=employer_name, employer_credit_code=employer.credit_code if employer else "",
            region="310000" if n % 6 else "320000",
        )
        created += 1
        if n == 7:
            bidder = Organisation.objects.filter(name="阳光建工集团有限公司").first()
            relation_declare(expert=expert, kind=Relation.Kind.SHAREHOLDER, organisation_name="阳光建工集团有限公司",
                             credit_code=bidder.credit_code if bidder else "", starts_on=dt.date(2019, 1, 1))
        if n == 36:
            expert_status_set(expert=expert, status=Expert.Status.SUSPENDED,
                              reason="年度考核不合格，暂停抽取一年")
    stdout.write(f"expert pool: {created} demo expert profiles")
    draw_for_expert01(stdout=stdout)


# expert01 is an A080102 expert, as are expert13 and expert25 (SPECIALTIES above): all three are drawn for the
# first group, so expert01 always gets a seat; three B0101 experts (expert09, 21, 33) fill the second group.
DEMO_COMPOSITION = [{"specialty": "A080102", "count": 3}, {"specialty": "B0101", "count": 2}]


def draw_for_expert01(*, stdout) -> None:
    """A committee for the next working day drawn now, expert01 among its members: unless expert01 still has a seat
    to answer (a seat left unanswered lapses after EXPERT_CONFIRM_MINUTES; `make run` seeds again on each start)."""
    user = User.objects.filter(username="expert01").first()
    agency = User.objects.filter(username="agency").first()
    tenderer = Organisation.objects.filter(name="阳光市城市建设投资集团有限公司").first()
    if user is None or agency is None or tenderer is None or Seat.objects.filter(
            expert__user=user, state=Seat.State.NOTIFIED, respond_by__gt=timezone.now()).exists():
        return
    day = workdays.add_working_days(workdays.today(), 1)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    request = draw_request_create(
        requested_by=agency, title="阳光市滨江公园配套用房工程施工评标", tenderer=tenderer,
        agency=agency.organisation, composition=DEMO_COMPOSITION, regions=["310000"], evaluation_starts_at=starts,
        evaluation_ends_at=starts + dt.timedelta(hours=4), place="阳光市公共资源交易中心第三评标室",
        reserve_size=0, draw_format=1)
    draw_perform(request=request)
    stdout.write(f"expert pool: committee {request.reference or request.pk} drawn, expert01 asked to confirm")
