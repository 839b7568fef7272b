"""A regulator in real Chromium, against a real Daphne: from a signal to a case, a fine, the credit record and the
published decision (read by an anonymous visitor)."""

import importlib

import pytest
from django.apps import apps

from accounts.models import Organisation, Role
from credit.models import CreditEvent
from supervision.models import Lead, Measure
from supervision.services.leads import leads_refresh
from tests import factories
from tests.bidding_room.live import catalogue_seed, logged_in_page, postgres_env, session_cookie
from tests.servers import Daphne

from .indicator_helpers import bid, bidder, project

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 30_000


def test_a_regulator_goes_from_a_signal_to_a_published_fine_in_chromium(chromium, tmp_path, settings):
    # given a tender after its opening, two of whose bidders uploaded from one address, and the leads computed
    catalogue_seed()
    importlib.import_module("supervision.migrations.0003_credit_behaviours").seed(apps, None)
    settings.PROTECTED_ROOT = tmp_path / "protected"
    regulator = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR, region="310000"))
    made = project(tenderer_user=factories.user(role=Role.TENDERER))
    section = made.sections.get()
    colluder, partner = bidder(), bidder()
    for person in (colluder, partner):
        bid(section, person, price="900000.00", address="203.0.113.7")
    leads_refresh()
    lead = Lead.objects.get(code="same_address", section=section)
    daphne = Daphne(env={**postgres_env(tmp_path, redis_db_prefix="supervision-browser"), "EMBEDDED_SCHEDULER": "0",
                         "DJANGO_ALLOW_ASYNC_UNSAFE": ""}, log_path=tmp_path / "daphne.log").start()
    try:
        context = chromium.new_context()
        context.add_cookies([{"name": "sessionid", "value": session_cookie(regulator), "domain": "127.0.0.1",
                              "path": "/"}])
        page = context.new_page()
        # when the regulator opens the signal from the list and opens a case from it
        page.goto(f"{daphne.url}/supervision/leads/?family=signal")
        page.click(f"a[href='/supervision/leads/{lead.pk}/']")
        page.wait_for_selector("text=203.0.113.7", timeout=WAIT)
        page.click("form[action$='/case/'] button")
        page.wait_for_url("**/supervision/cases/*/", timeout=WAIT)
        # and issues a fine on one bidder, under bid-rigging, published
        form = page.locator("form.measure-form")
        form.locator("select[name=kind]").select_option("fine")
        assert form.locator("input[name=talk_on]").is_hidden()  # the form shows what a fine needs only
        form.locator("select[name=organisation]").select_option(str(colluder.organisation_id))
        form.locator("input[name=amount]").fill("36000")
        form.locator("select[name=behaviour_code]").select_option("bid-rigging")
        form.locator("input[name=legal_basis]").fill("《招标投标法》第五十三条")
        form.locator("textarea[name=findings]").fill("与另一投标人从同一网络地址上传投标文件。")
        form.locator("input[name=publish]").check()
        form.locator("button").click()
        page.wait_for_selector("text=36,000.00", timeout=WAIT)
        measure = Measure.objects.get()
        # then the credit record carries the decision
        page.click(f"a[href='/credit/manage/events/{measure.credit_event_id}/']")
        page.wait_for_selector(f"text={measure.number}", timeout=WAIT)
        event = CreditEvent.objects.get(pk=measure.credit_event_id)
        assert event.organisation_id == colluder.organisation_id and event.decision_number == measure.number
        # and anyone reads the published decision and downloads its signed document
        public = chromium.new_context().new_page()
        public.goto(f"{daphne.url}/decisions/")
        public.click(f"a[href='/decisions/{measure.pk}/']")
        public.wait_for_selector(f"text={measure.pdf_sha256}", timeout=WAIT)
        assert "罚款" in public.content() and colluder.organisation.name in public.content()
        document = public.request.get(daphne.url + public.get_attribute(f"a[href='/decisions/{measure.pk}/pdf/']",
                                                                        "href"))
        assert document.ok and document.body().startswith(b"%PDF")
        lead.refresh_from_db()
        assert lead.state == Lead.State.CASE_OPENED
    finally:
        daphne.stop()


def test_an_intermediary_complains_about_a_marketplace_result_and_the_regulator_upholds_it_in_chromium(chromium,
                                                                                                      tmp_path):
    # given a 竞价 purchase whose lowest quote was selected and publicised
    from marketplace.models import Purchase
    from marketplace.services import purchases, selection
    from supervision.models import Complaint
    from tests.marketplace import factories as mf

    catalogue_seed()
    importlib.import_module("marketplace.migrations.0002_credit_behaviours").seed(apps, None)
    first, second, third = (mf.intermediary() for _ in range(3))
    owner = mf.owner()
    purchase = mf.purchase(by=owner, method="bidding", quote_mode="sealed")
    for who, quote in ((first, "60000"), (second, "62000"), (third, "65000")):
        purchases.application_submit(purchase=purchase, intermediary=who, quote=quote)
    purchase = selection.bidding_select(purchase=mf.deadline_passes(purchase))
    complainant = second.organisation.people.get()
    regulator = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR, region="310000"))
    daphne = Daphne(env={**postgres_env(tmp_path, redis_db_prefix="purchase-complaint"), "EMBEDDED_SCHEDULER": "0",
                         "DJANGO_ALLOW_ASYNC_UNSAFE": ""}, log_path=tmp_path / "daphne.log").start()

    def page_of(user):
        return logged_in_page(chromium, user, locale="zh-CN")

    try:
        # the second in the ranking challenges (质疑) the owner on the purchase's page
        page = page_of(complainant)
        page.goto(f"{daphne.url}/marketplace/purchases/{purchase.pk}/")
        page.fill("#act-object textarea[name=text]", "中选单位的造价咨询资质证书已被注销。")
        page.click("#act-object button")
        page.wait_for_selector("text=中选单位的造价咨询资质证书已被注销。", timeout=WAIT)
        # complaining before the owner answers is refused with the reason, nothing filed
        page.click(f"a[href='/complaints/purchase/{purchase.pk}/']")
        page.fill("#file-complaint textarea[name=grounds]", "资质证书已注销，附注销公告。")
        page.click("#file-complaint button")
        page.wait_for_selector("text=尚在答复期内", timeout=WAIT)
        assert not Complaint.objects.exists()
        # the owner answers; then the complaint is filed
        selection.objection_answer(objection=purchase.objections.get(), answer="经核查，资质证书有效。")
        page.fill("#file-complaint textarea[name=grounds]", "资质证书已注销，附注销公告。")
        page.click("#file-complaint button")
        page.wait_for_selector("text=投诉已提交监管部门", timeout=WAIT)
        complaint = Complaint.objects.get()
        assert complaint.purchase_id == purchase.pk and complaint.state == "received"
        # a second complaint on the same result is refused
        page.fill("#file-complaint textarea[name=grounds]", "再次投诉。")
        page.click("#file-complaint button")
        page.wait_for_selector("text=不能重复投诉", timeout=WAIT)

        # the regulator finds it on its desk, accepts it and upholds it
        desk = page_of(regulator)
        desk.goto(f"{daphne.url}/accounts/dashboard/regulator/")
        desk.click(f"a[href='/complaints/{complaint.pk}/']")
        desk.wait_for_selector(f"text={purchase.number}", timeout=WAIT)
        assert "经核查，资质证书有效。" in desk.content()
        desk.click(f"form[action='/complaints/{complaint.pk}/accept/'] button")
        desk.wait_for_selector(f"form[action='/complaints/{complaint.pk}/decide/']", timeout=WAIT)
        decide = desk.locator(f"form[action='/complaints/{complaint.pk}/decide/']")
        decide.locator("select[name=outcome]").select_option("upheld")
        decide.locator("textarea[name=text]").fill("中选单位资质已注销，选取结果无效。")
        decide.locator("button").click()
        desk.wait_for_selector("text=投诉成立", timeout=WAIT)

        # then the selection is void and the next in the ranking is selected, on the purchase's public page
        public = chromium.new_context(locale="zh-CN").new_page()
        public.goto(f"{daphne.url}/marketplace/purchases/{purchase.pk}/")
        public.wait_for_selector("text=的中选结果已撤销", timeout=WAIT)
        purchase.refresh_from_db()
        assert purchase.state == Purchase.State.PUBLICISED and purchase.winner == second
        assert second.organisation.name in public.content()
    finally:
        daphne.stop()
