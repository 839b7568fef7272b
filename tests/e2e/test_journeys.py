"""Each role's main journey from 我的工作台 to done, in real Chromium against a real Daphne (issue #14 "Must show").

Every step leaves a screenshot under var/journeys/<test>/ and is checked like the crawler checks pages. The data
each journey needs is made through the services; what would take days (a deadline, a publicity period) is moved
in the database, never waited for.
"""

import datetime as dt
import importlib
import os

import pytest
from django.apps import apps
from django.db import connection

from accounts.models import Role
from tests import factories
from tests.bidding_room.live import catalogue_seed, session_cookie
from tests.browser import CHROMIUM, launch, wait_for_js
from tests.servers import Daphne

from .journey import WAIT, Journey

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(transactional_db, tmp_path, settings):
    settings.PROTECTED_ROOT = tmp_path / "protected"
    db = connection.settings_dict
    daphne = Daphne(env={
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "SUNSHINE_PROTECTED_ROOT": str(settings.PROTECTED_ROOT), "SUNSHINE_VAR_DIR": str(tmp_path / "var"),
        "CELERY_EAGER": "1", "EMBEDDED_SCHEDULER": "0", "DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",
    }, log_path=tmp_path / "daphne.log").start()
    yield daphne
    daphne.kill()


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM from this thread, beside Playwright's loop
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def journey_of(browser, server, user, name: str) -> Journey:
    context = browser.new_context(locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "domain": "127.0.0.1", "path": "/"}])
    return Journey(context.new_page(), server.url, name)


def chinese_organisations() -> None:
    """The factories name organisations after their credit code's last characters (letters among them, which a
    page check reads as English): demo-like Chinese names instead."""
    from accounts.models import Organisation

    for n, organisation in enumerate(Organisation.objects.order_by("pk")):
        Organisation.objects.filter(pk=organisation.pk).update(name=f"阳光演示单位{n:03d}号")


def chinese(user, name: str):
    """Demo-like people: a Chinese display name (the factories' "expert tester" is not one a page should show)."""
    user.display_name = name
    user.save(update_fields=["display_name"])
    return user


def test_an_official_goes_from_the_desk_to_the_statistics_pdf(browser, server):
    from django.utils import timezone

    from tests.pdfcheck import assert_whole, pdf_read
    from tests.stats.test_statistics import award

    # given two awards this year, a construction tender and a government purchase
    people = {"agency": factories.user(role=Role.AGENCY), "tenderer": factories.organisation(
        org_type="tenderer"), "winner": factories.organisation()}
    yesterday = timezone.now() - dt.timedelta(days=1)
    award(people, category="construction", base_type="price_cap", base="1000000.00", amount="900000.00",
          at=yesterday)
    award(people, category="government", base_type="budget", base="500000.00", amount="450000.00", at=yesterday)
    official = chinese(factories.user(role=Role.OFFICIAL), "赵统计")
    chinese_organisations()
    trip = journey_of(browser, server, official, "official")
    # when the official reads the desk's headline, opens the statistics and downloads the report
    trip.go("/accounts/dashboard/")
    trip.page.wait_for_selector("text=1,350,000.00")
    trip.step("desk")
    trip.page.click("a[href^='/statistics/']")
    trip.page.wait_for_selector("text=1,350,000.00", timeout=WAIT)
    trip.step("statistics")
    with trip.page.expect_download(timeout=WAIT) as download:
        trip.page.click("a[href^='/statistics/report.pdf']")
    pdf = download.value.path().read_bytes()
    # then the PDF holds the same figures, whole, in an embedded font
    read = pdf_read(pdf, name="journey-official", signed=False)  # signed by the server's own PKI
    assert "交易统计报告" in read.text
    assert_whole(read, ["1,350,000.00", "900,000.00", "450,000.00"])


def test_an_expert_confirms_evaluates_and_signs_the_report(browser, server):
    from expert_pool.evaluation import services as evaluation
    from expert_pool.models import Evaluation, Seat
    from expert_pool.services import draws
    from expert_pool.services.section_draw import section_draw_request_create
    from tests.expert_pool import factories as expert_factories
    from tests.expert_pool.evaluation_factories import Setup

    # given a section after its opening and a committee drawn, its members notified (the data migrations' rows
    # again: a transactional test before this one flushed them)
    importlib.import_module("expert_pool.migrations.0002_specialty_taxonomy").load(apps, None)
    catalogue_seed()
    setup = Setup()
    for n, user in enumerate([setup.agency_user, setup.regulator, *setup.bidder_users]):
        chinese(user, f"演示人员{n}")
    for n, expert in enumerate(setup.experts):
        chinese(expert.user, f"专家{n:02d}")
    request = section_draw_request_create(
        section=setup.section, requested_by=setup.agency_user, composition=[{"specialty": "A0801", "count": 5}],
        regions=["310000"], evaluation_starts_at=expert_factories.evaluation_window()[0],
        evaluation_ends_at=expert_factories.evaluation_window()[1], reserve_size=3)
    draws.draw_perform(request=request)
    chinese_organisations()
    seats = list(Seat.objects.filter(request=request, role=Seat.Role.MEMBER, state=Seat.State.NOTIFIED)
                 .order_by("group", "position"))
    expert = seats[0].expert.user
    trip = journey_of(browser, server, expert, "expert")
    # when the expert answers from the desk (first to confirm: the leader)
    trip.go("/accounts/dashboard/")
    trip.step("desk-draw-to-answer")
    trip.page.click("a[href^='/experts/answer/']")
    trip.page.wait_for_selector("select[name=accept]")
    trip.step("answer")
    trip.page.select_option("select[name=accept]", "yes")
    trip.page.click("form:has(select[name=accept]) button[type=submit]")
    trip.page.wait_for_selector("text=已确认")
    trip.step("confirmed")
    assert Seat.objects.get(pk=seats[0].pk).state == Seat.State.CONFIRMED
    # and, the others confirmed and the agency having opened the evaluation, scores every bid from the desk
    for seat in seats[1:]:
        draws.seat_answer(seat=seat, accept=True)
    setup.to_evaluation()
    room = evaluation.evaluation_open(section=setup.section, user=setup.agency_user)
    trip.go("/accounts/dashboard/")
    trip.step("desk-evaluation-to-score")
    trip.page.click(f"a[href='/experts/evaluations/{room.pk}/']")
    trip.page.wait_for_selector("input[name^='score-']")
    for field in trip.page.locator("input[name^='score-']").all():
        field.fill("85")
    trip.step("scoring")
    trip.page.click("button[value=submit]")
    trip.page.wait_for_selector("text=评委2")
    trip.step("submitted")
    # the other members submit; the leader checks low prices, aggregates and signs
    for seat in seats[1:]:
        evaluation.score_save(evaluation=room, user=seat.expert.user, scores={
            str(b["bid"]): {"技术": "80", "商务": "90"} for b in room.bids})
        evaluation.score_submit(evaluation=room, user=seat.expert.user)
    trip.go("/accounts/dashboard/")
    trip.step("desk-aggregate")
    trip.page.click(f"a[href='/experts/evaluations/{room.pk}/']")
    trip.page.click("button[value=low_price]")
    trip.page.wait_for_selector("button[value=aggregate]")
    trip.page.click("button[value=aggregate]")
    trip.page.wait_for_selector("button[value=report]")
    trip.step("aggregated")
    trip.page.click("button[value=report]")
    trip.page.wait_for_selector(f"a[href='/experts/evaluations/{room.pk}/report.pdf']")
    trip.step("signed")
    # then the report is signed and the candidates go to publicity
    room.refresh_from_db()
    assert room.state == Evaluation.State.REPORTED and room.report_sha256


def test_a_regulator_accepts_and_decides_a_complaint_then_reads_the_enforcement_report(browser, server):
    from django.utils import timezone

    from supervision.models import Complaint
    from supervision.services import complaints
    from tests.supervision.complaint_helpers import project_in
    from tests.trading.conftest import World

    # given a bidder's complaint about the procedure of a project in publicity
    catalogue_seed()
    world = World()
    for n, user in enumerate([world.tenderer, world.agency, *world.bidders, world.regulator, world.outsider_agency,
                              world.officer]):
        chinese(user, f"演示人员{n}")
    project = project_in(world)
    complaint = complaints.complaint_file(project=project, user=world.bidders[3], subject="procedure",
                                          grounds="代理机构在开标前泄露了投标人名单。",
                                          known_on=timezone.localdate())
    chinese_organisations()
    trip = journey_of(browser, server, world.regulator, "regulator")
    # when the regulator opens it from the desk, accepts it and decides it
    trip.go("/accounts/dashboard/")
    trip.step("desk")
    trip.page.click(f"a[href='/complaints/{complaint.pk}/']")
    trip.page.wait_for_selector(f"form[action='/complaints/{complaint.pk}/accept/']")
    trip.step("complaint-received")
    trip.page.click(f"form[action='/complaints/{complaint.pk}/accept/'] button")
    trip.page.wait_for_selector(f"form[action='/complaints/{complaint.pk}/decide/']")
    trip.step("complaint-accepted")
    decide = trip.page.locator(f"form[action='/complaints/{complaint.pk}/decide/']")
    decide.locator("select[name=outcome]").select_option("upheld")
    decide.locator("textarea[name=text]").fill("经调查，投诉事项属实，责令代理机构改正。")
    decide.locator("button").click()
    trip.page.wait_for_selector("text=经调查，投诉事项属实")
    trip.step("complaint-decided")
    # then the complaint is decided, and the enforcement report is one click from the desk
    assert Complaint.objects.get(pk=complaint.pk).outcome == "upheld"
    assert trip.page.locator("div.card h3").count() == 0  # no empty 处理 card once nothing is left to do
    trip.go("/supervision/report/")
    trip.page.wait_for_selector("table")
    trip.step("enforcement-report")


def test_a_bidder_downloads_seals_gets_a_receipt_and_confirms_at_the_opening(browser, tmp_path):
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests import sealed
    from tests.bidding_room.factories import opening_starts, sealed_opening
    from tests.bidding_room.test_browser import enter, key_file, load_key, release, serve, sign_in
    from tests.trading.test_live_submission import PRICE, PRICE_CAP, _seal_on_the_page
    from trading.models import Bid, Section
    from trading.services import participation

    # given a published project with its tender document, two rivals' sealed bids, and a registered bidder with a
    # key (the deadline an hour ahead)
    world = sealed_opening(bidders=3, unsealed=(0,), decryption_minutes=120, objection_minutes=120)
    Section.objects.filter(pk=world.section.pk).update(base_amount=Decimal(PRICE_CAP))
    document = participation.document_upload(project=world.project, user=world.agency, upload=SimpleUploadedFile(
        "招标文件.pdf", b"%PDF-1.7 tender documents"))
    bidder = world.bidders[0]
    registration = participation.registration_create(section=world.section, user=bidder)
    participation.registration_sign_commitment(registration=registration, user=bidder, accepted=True)
    for n, person in enumerate([world.agency, world.tenderer, world.regulator, *world.bidders]):
        chinese(person, f"演示人员{n}")
    chinese_organisations()
    (tmp_path / "me.pem").write_bytes(sealed.private_keys[bidder.pk].pem(sealed.PASSPHRASE))
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.7 " + os.urandom(200_000))
    server = serve(world, tmp_path)
    try:
        trip = journey_of(browser, server, bidder, "bidder")
        # when the bidder goes from the desk to the project and downloads the tender document
        trip.go("/accounts/dashboard/")
        trip.step("desk")
        trip.page.locator(f"main a:has-text('{world.project.title}')").first.click()
        trip.page.wait_for_selector("form.seal-form")
        trip.step("project")
        with trip.page.expect_download() as download:
            trip.page.click(f"a[href='{reverse('trading:document_download', args=[document.pk])}']")
        assert download.value.path().read_bytes() == b"%PDF-1.7 tender documents"
        # seals the bid in the page and reads its receipt
        wait_for_js(trip.page, "window.bidPageReady === true")
        status = _seal_on_the_page(trip.page, tmp_path)
        assert "回执编号" in status, status
        trip.step("sealed")
        bid = Bid.objects.get(organisation=bidder.organisation)
        trip.go(reverse("trading:receipt", args=[bid.pk]))
        trip.step("receipt")
        # the deadline passes (moved in the record) and the bidder enters the opening room with its rivals
        opening_starts(world)
        sid = world.session.pk
        trip.go(f"/opening/{sid}/")
        trip.page.wait_for_selector("#room[data-state=sign_in]")
        host = enter(browser, server, world.agency, sid)
        rivals = [enter(browser, server, person, sid) for person in world.bidders[1:]]
        for page, person in zip([trip.page, *rivals], world.bidders, strict=True):
            page.wait_for_selector("#room[data-state=sign_in]", timeout=WAIT)
            load_key(page, key_file(tmp_path, person))
            sign_in(page)
        trip.step("room-signed-in")
        host.wait_for_selector("#bidders tr[data-signed-in=yes] >> nth=2", timeout=WAIT)
        host.click("#start-decryption")
        for page in [trip.page, *rivals]:
            page.wait_for_selector("#room[data-state=decrypting]", timeout=WAIT)
            release(page)
        trip.page.wait_for_selector("#results[data-published=yes]")
        trip.page.wait_for_selector("#room[data-state=confirming]")
        trip.step("results")
        # then it confirms the opening table, its own price in it
        prices = trip.page.eval_on_selector_all("#results tbody tr .num", "cells => cells.map(c => c.textContent)")
        trip.page.click("#confirm")
        trip.page.wait_for_selector("#me[data-confirmed=yes]")
        trip.step("confirmed")
    finally:
        server.kill()
    assert PRICE in [p.strip() for p in prices], prices
    assert Bid.objects.get(pk=bid.pk).state != Bid.State.REVOKED
