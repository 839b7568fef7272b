"""Two years of demo awards so the statistics pages show believable charts in ``make run``.

The rows are bulk-created, consistently with trading's models (a project in state
contract_signed or archived, its sections, an award with the base copied next to the
amount, a contract), without going through the lifecycle: running hundreds of
procedures with real deadlines would take hours. They are marked as demo: every
title starts with ``DEMO_MARK`` and the description says so. No audit events are
written for them. A few failed (流标) projects give the failure statistics something
to count. Deterministic (a fixed random seed) and idempotent.
"""

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.workdays import today
from trading.models import Award, BaseType, Contract, EvaluationMethod, ProcurementMethod, Project, Section, Status
from trading.services.projects import deal_code_make

from .selectors import SHANGHAI

DEMO_MARK = "【统计演示】"
DESCRIPTION = "演示数据：为交易统计图表批量生成，不是真实交易。"
REGIONS = ("310101", "310104", "310105", "310112", "310115")

# category → (base type choices, subjects, base range in ten-thousands of yuan, outcome ratio range)
PROFILES = {
    "construction": ((BaseType.PRICE_CAP,), ("道路改造工程", "学校教学楼新建工程", "排水管网改造工程",
                                             "社区卫生服务中心装修工程", "河道综合整治工程"),
                     (300, 8000), (0.86, 0.99)),
    "government": ((BaseType.BUDGET,), ("办公设备采购", "信息化平台运维服务", "物业管理服务", "医疗设备采购",
                                        "车辆租赁服务"), (40, 1500), (0.82, 0.98)),
    "land": ((BaseType.STARTING_PRICE,), ("国有建设用地使用权出让", "采矿权出让"), (3000, 60000), (1.00, 1.45)),
    "property": ((BaseType.STARTING_PRICE, BaseType.VALUATION), ("国有企业股权转让", "闲置房产转让", "机器设备转让"),
                 (100, 5000), (1.00, 1.30)),
    "other": ((BaseType.BUDGET,), ("罚没物资处置", "广告位经营权招租"), (20, 600), (0.88, 1.00)),
}
MONTHLY = {"construction": 4, "government": 5, "land": 1, "property": 2, "other": 1}


def _yuan(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def seed(*, stdout) -> None:
    if Project.objects.filter(title__startswith=DEMO_MARK).exists():
        stdout.write("statistics: demo awards already there")
        return
    agency = User.objects.get(username="agency")
    tenderer = User.objects.get(username="tenderer").organisation
    winners = [User.objects.get(username=f"bidder{n}").organisation for n in (1, 2, 3)]
    rng = random.Random(20240101)  # noqa: S311 - demo figures, not secrets
    end = today()
    month = dt.date(end.year - 2, end.month, 1)
    plans = []
    while month <= end:
        growth = 1.0 + 0.12 * (month.year - (end.year - 2))  # a little more business every year
        for category, per_month in MONTHLY.items():
            for _ in range(rng.randint(max(per_month - 1, 0), per_month + 1)):
                day = rng.randint(1, 28)
                awarded_on = month.replace(day=day)
                if awarded_on > end:
                    continue
                plans.append(_plan(rng, category, awarded_on, growth, end))
        month = (month + dt.timedelta(days=32)).replace(day=1)

    projects = Project.objects.bulk_create([
        Project(title=p["title"], description=DESCRIPTION, category=p["category"], tenderer=tenderer,
                agency=agency.organisation, region=p["region"], procurement_method=p["method"],
                evaluation_method=EvaluationMethod.LOWEST_PRICE,
                announcement_at=p["deadline"] - dt.timedelta(days=21), bid_deadline=p["deadline"], status=p["status"],
                end_reason="too_few_bids" if p["failed"] else "", created_by=agency)
        for p in plans])
    for project, plan in zip(projects, plans, strict=True):
        project.deal_code = deal_code_make(region=project.region, category=project.category,
                                           year=plan["deadline"].year, serial=project.pk)
    Project.objects.bulk_update(projects, ["deal_code"])
    sections = Section.objects.bulk_create([
        Section(project=project, code=f"{n:03d}", name=f"第{n}标段", base_amount=base, base_type=plan["base_type"],
                failed_at=plan["deadline"] if plan["failed"] else None)
        for project, plan in zip(projects, plans, strict=True) for n, (base, _amount) in enumerate(plan["lots"], 1)])
    outcomes = [(plan, amount) for plan in plans for _base, amount in plan["lots"]]
    awards = Award.objects.bulk_create([
        Award(section=section, organisation=rng.choice(winners), amount=amount, base_amount=section.base_amount,
              base_type=section.base_type, awarded_at=plan["awarded_at"], awarded_by=agency)
        for section, (plan, amount) in zip(sections, outcomes, strict=True) if not plan["failed"]])
    Contract.objects.bulk_create([
        Contract(award=award, signed_on=min(timezone.localtime(award.awarded_at).date() + dt.timedelta(days=7), end),
                 amount=award.amount, recorded_by=agency, recorded_at=award.awarded_at + dt.timedelta(days=7))
        for award in awards])
    stdout.write(f"statistics: {len(awards)} demo awards in {len(projects)} demo projects over two years")


def _plan(rng: random.Random, category: str, awarded_on: dt.date, growth: float, end: dt.date) -> dict:
    base_types, subjects, (low, high), (worst, best) = PROFILES[category]
    failed = category in ("construction", "government") and rng.random() < 0.06
    base_type = rng.choice(base_types)
    lots = []
    for _ in range(rng.choice((1, 1, 1, 2))):
        base = _yuan(rng.uniform(low, high) * 10_000 * growth)
        ratio = rng.uniform(worst, best) if base_type != BaseType.VALUATION else rng.uniform(1.00, 1.20)
        lots.append((base, _yuan(float(base) * ratio)))
    awarded_at = dt.datetime.combine(awarded_on, dt.time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))),
                                     tzinfo=SHANGHAI)
    return {
        "title": f"{DEMO_MARK}{awarded_on.year}年{rng.choice(subjects)}（{rng.randint(1, 99):02d}）",
        "category": category, "region": rng.choice(REGIONS), "base_type": base_type, "lots": lots,
        "method": ProcurementMethod.AUCTION if category == "land" else (
            ProcurementMethod.LISTING if category == "property" else ProcurementMethod.OPEN),
        "deadline": awarded_at - dt.timedelta(days=18), "awarded_at": awarded_at, "failed": failed,
        "status": Status.FAILED if failed else (Status.ARCHIVED if (end - awarded_on).days > 90
                                                else Status.CONTRACT_SIGNED),
    }
