"""Demo credit records: a black-listed bidder, deductions, an expert's no-show, a commendation,
an archived restriction and a pending appeal."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation, User
from core.workdays import today

from .models import CreditEvent
from .services import appeal_file, blacklist_entry_create, credit_event_record

MARK = "（演示数据）"


def seed(*, stdout) -> None:
    if CreditEvent.objects.filter(evidence__endswith=MARK).exists():
        stdout.write("credit: demo records already present")
        return
    orgs = {o.name: o for o in Organisation.objects.all()}
    regulator = User.objects.filter(username="regulator").first()
    day = today()

    def ago(days: int) -> dt.date:
        return day - dt.timedelta(days=days)

    credit_event_record(
        behaviour_code="bid-rigging", organisation=orgs["长城信息技术股份有限公司"], source="regulator",
        decision_number="阳公管罚〔2026〕7号", deal_code="A3100002026000013", occurred_on=ago(60), by=regulator,
        evidence="与另一投标人的投标文件由同一单位编制，报价呈规律性差异。" + MARK,
        documents=[SimpleUploadedFile("行政处罚决定书.pdf", b"%PDF-1.4 demo decision")],
    )
    refused = credit_event_record(
        behaviour_code="award-refused", organisation=orgs["东方路桥建设有限公司"], occurred_on=ago(120),
        deal_code="A3100002026000021", evidence="中标通知书发出后书面放弃中标，未说明正当理由。" + MARK,
    )
    credit_event_record(
        behaviour_code="bid-not-decrypted", organisation=orgs["东方路桥建设有限公司"], occurred_on=ago(20),
        deal_code="A3100002026000034", evidence="开标时未在解密时限内解密投标文件。" + MARK,
    )
    credit_event_record(
        behaviour_code="commendation", organisation=orgs["华夏园林绿化有限公司"], occurred_on=ago(30),
        evidence="获阳光市守信示范企业表彰。" + MARK,
    )
    expert = User.objects.filter(username="expert05").first()
    if expert is not None:
        credit_event_record(behaviour_code="expert-no-show", person=expert, occurred_on=ago(45),
                            deal_code="A3100002026000008", evidence="确认参加评标后未到场，未请假。" + MARK)
    blacklist_entry_create(
        organisation=orgs["蓝天医疗设备有限公司"], reason="提供虚假材料谋取中标（已期满）",
        legal_basis="《政府采购法》第七十七条", starts_on=ago(800), ends_on=ago(440),
    )
    bidder2 = User.objects.filter(username="bidder2").first()
    if bidder2 is not None:
        appeal_file(event=refused, statement="放弃中标系因不可抗力（工地所在区域封控），附证明。" + MARK, by=bidder2)
    stdout.write("credit: demo records (black list, deductions, red list, a pending appeal) created")
