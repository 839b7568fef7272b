"""Demo marketplace: six intermediaries (one with an expired qualification, one suspended) with log-ins
intermediary1 .. intermediary6, and purchases of the demo owner ``tenderer`` in every state a visitor should see —
a rated direct selection, a random draw witnessed by ``regulator`` with its public record (format 2), a random draw
still open for the regulator's commitment, a publicised 竞价 whose second challenged the result (supervision's demo
files its complaint), sealed quotes still open, a comparison waiting for
the committee's scores, a delivered service with a poor rating that moved the intermediary's credit.

Deadlines that must have passed are moved back in the database after posting (as the tests do): a demo cannot wait.
"""

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from accounts.credit_code import make
from accounts.demo import DEMO_PASSWORD, REGION
from accounts.models import Organisation, Role, User
from accounts.services import organisation_create, user_create
from core.workdays import today

from .models import Intermediary, Purchase
from .services import delivery, draws, purchases, registry, selection

SERIAL = 10_180_000
# name, service types, contact, qualification state
INTERMEDIARIES = [
    ("阳光工程造价咨询有限公司", ["ZJZX", "ZBDL"], "周建华", "valid"),
    ("华信工程设计研究院有限公司", ["GCSJ", "GCKC"], "吴志强", "valid"),
    ("东方资产评估事务所有限公司", ["ZCPG", "ZJZX"], "郑秀英", "valid"),
    ("绿源环境科技咨询有限公司", ["HJPJ", "ZJZX"], "冯海燕", "valid"),
    ("诚信工程咨询有限公司", ["ZJZX", "GCKC"], "曹国平", "expired"),
    ("宏达项目管理咨询有限公司", ["ZJZX", "ZBDL"], "彭丽娟", "suspended"),
]


def _intermediaries() -> list[Intermediary]:
    made = []
    for n, (name, types, contact, state) in enumerate(INTERMEDIARIES, start=1):
        organisation = Organisation.objects.filter(name=name, org_type=Organisation.Type.BIDDER).first()
        if organisation is None:
            organisation = organisation_create(name=name, credit_code_value=make(region=REGION, serial=SERIAL + n),
                                               org_type=Organisation.Type.BIDDER, region=REGION)
        if not User.objects.filter(username=f"intermediary{n}").exists():
            user_create(username=f"intermediary{n}", password=DEMO_PASSWORD, role=Role.BIDDER,
                        organisation=organisation, display_name=contact)
        offered = "、".join(Intermediary(service_types=types).service_type_names())
        intermediary = registry.intermediary_register(
            organisation=organisation, service_types=types, regions=[REGION], contact_name=contact,
            contact_phone=f"021-6{n:03d}8800", introduction=f"{name}，专业从事{offered}服务。")
        until = today() - dt.timedelta(days=20) if state == "expired" else today() + dt.timedelta(days=700)
        for k, code in enumerate(types):
            registry.qualification_add(intermediary=intermediary, service_type=code, name="甲级资质证书",
                                       number=f"沪{2020 + n}{k}{n:04d}", level="甲级",
                                       issuer="阳光市住房和城乡建设委员会", valid_from=dt.date(2021, 1, 1),
                                       valid_until=until)
        if state == "suspended":
            registry.intermediary_status_set(intermediary=intermediary, status=Intermediary.Status.SUSPENDED,
                                             reason="年度考核不合格，暂停入驻六个月")
        made.append(intermediary)
    return made


def _post(owner, title: str, method: str, cap: str, service_type: str = "ZJZX", **extra) -> Purchase:
    extra.setdefault("deadline", timezone.now() + dt.timedelta(days=5))
    return purchases.purchase_post(by=owner, title=title, service_type=service_type, method=method, fee_cap=cap,
                                   scope=extra.pop("scope", "编制工程量清单及招标控制价，参与结算审核。"),
                                   requirements="具备相应资质，近三年无不良信用记录。", region="310104", **extra)


def _close(purchase: Purchase) -> Purchase:
    now = timezone.now()  # posted five days ago, closed an hour ago
    Purchase.objects.filter(pk=purchase.pk).update(posted_at=now - dt.timedelta(days=5),
                                                   deadline=now - dt.timedelta(hours=1))
    purchase.refresh_from_db()
    return purchase


def _end_publicity(purchase: Purchase) -> Purchase:
    Purchase.objects.filter(pk=purchase.pk).update(publicity_until=today() - dt.timedelta(days=1))
    purchase.refresh_from_db()
    return purchase


def _deliver(purchase: Purchase, amount: str):
    contract = delivery.contract_record(purchase=_end_publicity(purchase), signed_on=today(), amount=amount,
                                        due_on=today() + dt.timedelta(days=30), deliverables="咨询成果报告一份")
    return delivery.delivery_record(contract=contract, delivered_on=today(), note="按约定交付")


def seed(*, stdout) -> None:
    owner = User.objects.filter(username="tenderer").first()
    if owner is None or Intermediary.objects.filter(organisation__name=INTERMEDIARIES[0][0]).exists():
        stdout.write("marketplace: demo already present (or no demo owner)")
        return
    zj, design, appraisal, green, _expired, _suspended = _intermediaries()

    direct = _post(owner, "城投大厦外立面应急抢修造价咨询", "direct", "30000",
                   direct_reason="台风造成外立面损坏，需立即抢修，时间紧迫。")
    direct = selection.select_direct(purchase=direct, intermediary=zj, amount="28000")
    delivery.rating_submit(contract=_deliver(direct, "28000"), timeliness=5, quality=5, attitude=5, fees=4,
                           comment="响应及时，成果质量好。")

    regulator = User.objects.filter(username="regulator").first()
    drawn = _post(owner, "滨江绿道二期工程造价咨询", "random", "85000")
    secret = secrets.token_bytes(32) if regulator else None
    if regulator:  # the regulator witnesses: its secret made "on its machine", only the hash handed in first
        draws.witness_commit(purchase=drawn, user=regulator, commitment=hashlib.sha256(secret).hexdigest())
    drawn = draws.draw_perform(purchase=_close(drawn))
    if regulator:
        draws.witness_reveal(purchase=drawn, user=regulator, secret=secret.hex())
    # a draw still open: the regulator's desk asks it to commit before the owner fixes the pool
    _post(owner, "河道整治工程环境影响评价", "random", "95000", service_type="HJPJ",
          scope="编制环境影响报告书并配合审批。")

    poor = _post(owner, "老旧小区改造项目结算审核", "bidding", "60000", quote_mode="sealed")
    for who, quote in ((zj, "52000"), (appraisal, "49800"), (green, "55000")):
        purchases.application_submit(purchase=poor, intermediary=who, quote=quote)
    poor = selection.bidding_select(purchase=_close(poor))
    delivery.rating_submit(contract=_deliver(poor, poor.amount), timeliness=2, quality=2, attitude=3, fees=3,
                           comment="成果报告两次退回修改，超期十天交付。")

    challenged = _post(owner, "市档案馆改造工程造价咨询", "bidding", "70000", quote_mode="sealed")
    for who, quote in ((zj, "63000"), (appraisal, "61500"), (green, "66000")):
        purchases.application_submit(purchase=challenged, intermediary=who, quote=quote)
    challenged = selection.bidding_select(purchase=_close(challenged))
    objection = selection.objection_file(purchase=challenged, organisation=zj.organisation,
                                         text="中选单位报价明显低于成本，且未按要求提供同类项目业绩证明。")
    selection.objection_answer(objection=objection, answer="经核查，中选单位已提交三项同类业绩，报价在合理范围内。")

    sealed = _post(owner, "市民中心停车场改造造价咨询", "bidding", "45000", quote_mode="sealed")
    for who, quote in ((zj, "41000"), (appraisal, "39500")):
        purchases.application_submit(purchase=sealed, intermediary=who, quote=quote)

    comparison = _post(owner, "城市更新片区控制性详细规划设计", "comparison", "380000", service_type="GCSJ",
                       scope="片区控制性详细规划方案设计及成果编制。",
                       weights={"price": 30, "proposal": 50, "experience": 20})
    purchases.application_submit(purchase=comparison, intermediary=design, quote="350000",
                                 proposal="以公共交通为导向的紧凑开发方案，团队12人，90天完成。")
    experts = list(User.objects.filter(role=Role.EXPERT, username__in=["expert01", "expert02", "expert03"]))
    if len(experts) == 3:
        selection.committee_appoint(purchase=_close(comparison), members=experts)
    stdout.write("marketplace: 6 intermediaries (intermediary1 .. intermediary6) and 7 purchases in every state")


def leftovers() -> list[str]:
    """Demo intermediaries present (core.demo_guard: production refuses to start with them)."""
    codes = [make(region=REGION, serial=SERIAL + n) for n in range(1, len(INTERMEDIARIES) + 1)]
    names = sorted(Organisation.objects.filter(credit_code__in=codes).values_list("name", flat=True))
    return [f"demo intermediaries ({', '.join(names)})"] if names else []
