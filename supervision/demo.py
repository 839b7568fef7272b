"""Demo supervision: a tender whose bids carry collusion signals, the leads computed after its opening, a case
opened from one with a fine and a warning talk (decisions signed, the fine in credit, published), an expert
suspended, a smaller year of cases so the enforcement report has figures, and a complaint on a marketplace
selection result waiting for the regulator."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organisation, User
from core.workdays import today
from trading.models import Award, Bid, Project, Section, Status
from trading.services.projects import deal_code_make

from .models import Case, Complaint, Lead
from .services import cases
from .services.leads import leads_refresh

TITLE = "阳光市滨江路改造工程（监管演示）"


def _rigged_project(tenderer_user) -> Project:
    """An awarded tender whose two bidders uploaded from one address, named one manager and priced a 1% ladder
    from the price cap; the third bid is honest."""
    now = timezone.now()
    deadline = now - dt.timedelta(days=10)
    project = Project.objects.create(
        title=TITLE, category="construction", tenderer=tenderer_user.organisation,
        agency=Organisation.objects.filter(name="阳光招标咨询有限公司").first(), region="310000",
        procurement_method="open", evaluation_method="lowest_price", announcement_at=deadline - dt.timedelta(days=21),
        bid_deadline=deadline, status=Status.AWARDED, created_by=tenderer_user)
    project.deal_code = deal_code_make(region=project.region, category=project.category, year=today().year,
                                       serial=project.pk)
    project.save(update_fields=["deal_code"])
    section = Section.objects.create(project=project, code="001", name="道路工程", base_amount=Decimal("5000000.00"),
                                     base_type="price_cap")
    rows = [("bidder1", "4950000.00", "王建国", "203.0.113.7"), ("bidder2", "4900500.00", "王建国", "203.0.113.7"),
            ("bidder4", "4612300.00", "李明", "198.51.100.23")]
    bids = []
    for n, (username, price, manager, address) in enumerate(rows):
        person = User.objects.get(username=username)
        bids.append(Bid.objects.create(
            section=section, organisation=person.organisation, submitted_by=person, state=Bid.State.OPENED,
            original_name="bid.sealed", storage_path=f"bids/demo/{n}.sealed", size=1024, sha256=f"{n:064d}",
            submitted_at=deadline - dt.timedelta(hours=2 + n), opened_at=deadline + dt.timedelta(minutes=20),
            opened_summary={"price": price, "duration": "300天", "quality": "合格", "project_manager": manager,
                            "fields": {}}, client_address=address, client_agent="Mozilla/5.0",
            client_installation=f"demo-installation-{n}"))
    Award.objects.create(section=section, organisation=bids[2].organisation, bid=bids[2],
                         amount=Decimal("4612300.00"), base_amount=section.base_amount, base_type=section.base_type,
                         awarded_at=now - dt.timedelta(days=3), awarded_by=tenderer_user)
    return project


def _marketplace_complaint(stdout) -> None:
    """The intermediary whose challenge to the 市档案馆 selection was answered complains to the regulator: on the
    regulator's desk to accept and decide (an upheld decision voids the selection)."""
    from marketplace.models import Purchase

    from .services.purchase_complaints import purchase_complaint_file

    purchase = Purchase.objects.filter(title="市档案馆改造工程造价咨询", state=Purchase.State.PUBLICISED).first()
    objection = purchase.objections.first() if purchase else None
    if objection is None or Complaint.objects.filter(purchase=purchase).exists():
        return
    person = User.objects.filter(organisation=objection.filed_by).first()
    purchase_complaint_file(purchase=purchase, user=person, grounds=(
        "中选单位报价低于成本，其提交的三项业绩中有两项并非同类项目，业主答复未予核实。请求认定选取结果无效。"))
    stdout.write("supervision: a complaint on a marketplace selection result awaits the regulator's acceptance")


def seed(*, stdout) -> None:
    _marketplace_complaint(stdout)
    if Project.objects.filter(title=TITLE).exists():
        stdout.write("supervision: demo cases already present")
        return
    regulator = User.objects.get(username="regulator")
    tenderer = User.objects.get(username="tenderer")
    project = _rigged_project(tenderer)
    result = leads_refresh()
    lead = Lead.objects.filter(project=project, code="same_address").first()
    case = cases.case_open_from_lead(lead=lead, user=regulator, title="滨江路改造工程涉嫌串通投标",
                                     facts="平台串标信号：两家投标人从同一网络地址上传投标文件，项目经理相同，"
                                           "报价自招标控制价起按 1% 递减。")
    colluders = [User.objects.get(username=u).organisation for u in ("bidder1", "bidder2")]
    cases.case_evidence_add(case=case, user=regulator, kind="note",
                            note="调取两家单位投标文件上传记录，网络地址均为 203.0.113.7。")
    fine = cases.measure_issue(
        case=case, user=regulator, kind="fine", organisation=colluders[0], amount="49500.00",
        behaviour_code="bid-rigging",
        legal_basis="《招标投标法》第五十三条；《招标投标法实施条例》第四十条、第六十七条",
        findings="与东方路桥建设有限公司的投标文件从同一网络地址上传，项目经理为同一人，报价呈规律性差异，视为串通投标。",
        publish=True)
    cases.fine_payment_record(measure=fine, user=regulator, amount="49500.00", paid_on=today(),
                              reference="阳财非税〔2026〕0815")
    cases.measure_issue(case=case, user=regulator, kind="warning_talk", organisation=colluders[1],
                        talked_to=[{"name": "刘洋", "position": "投标负责人"}, {"name": "孙强", "position": "总经理"}],
                        talk_on=today(), legal_basis="《招标投标法实施条例》第四条",
                        findings="约谈提醒其依法合规参加投标，不得与其他投标人串通。", publish=True)
    expert_user = User.objects.filter(username="expert07", expert__isnull=False).first()
    if expert_user is not None:
        expert_case = cases.case_open(user=regulator, title="评标专家未按评标标准评审", origin=Case.Origin.REPORT,
                                      facts="群众举报评标专家在评审中未按招标文件规定的标准打分。")
        cases.measure_issue(case=expert_case, user=regulator, kind="expert_suspension", expert=expert_user.expert,
                            months=6, legal_basis="《招标投标法实施条例》第七十一条",
                            findings="经调取评标记录核实，该专家未按评标标准和方法评审，暂停其评标资格六个月。",
                            publish=True)
    cases.case_open(user=regulator, title="某项目招标文件设置不合理条件", origin=Case.Origin.EX_OFFICIO,
                    facts="日常检查发现招标文件要求投标人具有本地业绩，涉嫌以不合理条件限制潜在投标人。")
    stdout.write(f"supervision: {result.created} leads, 3 cases with decisions (fine, warning talk, expert "
                 f"suspension) for the regulator's desk")
