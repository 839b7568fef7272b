"""A black list entry cites the law of the project's field: 招标投标法 for a construction tender, 政府采购法 for a
government procurement, the rule's general basis when the deal names neither."""

import pytest
from django.test import Client

from core.dealcodes import deal_category
from credit.selectors import behaviour_current
from tests import factories
from tests.credit.factories import event
from trading.services.projects import deal_code_make

pytestmark = pytest.mark.django_db


def test_the_deal_codes_category_is_read_back_as_trading_writes_it():
    for category in ("construction", "government", "land", "property", "other"):
        assert deal_category(deal_code_make(region="310000", category=category, year=2026, serial=7)) == category
    assert deal_category("") == deal_category("A3100002026000001") == ""


def test_false_materials_cite_the_tendering_law_on_a_construction_tender_and_the_procurement_law_otherwise(
        settings):
    construction = deal_code_make(region="310000", category="construction", year=2026, serial=11)
    procurement = deal_code_make(region="310000", category="government", year=2026, serial=12)
    works, supplier = factories.organisation(name="东方路桥建设有限公司"), factories.organisation(name="长城信息技术")

    on_works = event(code="false-materials", organisation=works, deal_code=construction, source="regulator",
                     decision_number="沪建罚〔2026〕1号").blacklist_entry
    on_goods = event(code="false-materials", organisation=supplier, deal_code=procurement, source="regulator",
                     decision_number="沪财罚〔2026〕2号").blacklist_entry

    assert "招标投标法" in on_works.legal_basis and "政府采购法" not in on_works.legal_basis
    assert on_goods.legal_basis.startswith("《政府采购法》第七十七条") and "招标投标" not in on_goods.legal_basis
    assert behaviour_current(code="false-materials").basis_for("") == behaviour_current(
        code="false-materials").legal_basis
    settings.LANGUAGE_CODE = "zh-hans"
    page = Client().get("/credit/").content.decode()
    assert "《招标投标法》第五十四条；《招标投标法实施条例》第六十八条" in page
    assert "《政府采购法》第七十七条第一款第（一）项；《政府采购法实施条例》第七十二条" in page
