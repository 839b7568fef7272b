"""Each role's main journey from 我的工作台 to done, in real Chromium against a real Daphne (issue #14 "Must show").

Every step leaves a screenshot under var/journeys/<test>/ and is checked like the crawler checks pages. The data
each journey needs is made through the services; what would take days (a deadline, a publicity period) is moved
in the database, never waited for.
"""

import datetime as dt
import importlib
import os
import time

import pytest
from django.apps import apps
from django.db import connection

from accounts.models import Role
from tests import factories
from tests.bidding_room.live import catalogue_seed, session_cookie
from tests.browser import wait_for_js
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


def test_a_regulator_watches_an_opening_then_decides_a_complaint_and_reads_the_enforcement_report(browser, tmp_path):
    from django.utils import timezone

    from supervision.models import Complaint
    from supervision.services import complaints
    from tests.bidding_room.factories import sealed_opening
    from tests.bidding_room.test_browser import enter, key_file, load_key, serve, sign_in
    from tests.supervision.complaint_helpers import project_in
    from tests.trading.conftest import World

    # given an opening room going live (its deadline just passed) and a bidder's complaint about the procedure of
    # another project, in publicity
    catalogue_seed()
    world = World()
    opening = sealed_opening(bidders=3, decryption_minutes=120, objection_minutes=120)
    for n, user in enumerate([world.tenderer, world.agency, *world.bidders, world.regulator, world.outsider_agency,
                              world.officer, opening.agency, opening.regulator, *opening.bidders]):
        chinese(user, f"演示人员{n}")
    project = project_in(world)
    complaint = complaints.complaint_file(project=project, user=world.bidders[3], subject="procedure",
                                          grounds="代理机构在开标前泄露了投标人名单。",
                                          known_on=timezone.localdate())
    chinese_organisations()
    server = serve(opening, tmp_path)
    try:
        trip = journey_of(browser, server, world.regulator, "regulator")
        sid = opening.session.pk
        # when the regulator watches the room from the desk while the bidders sign in, live
        # the server's scheduler opens the room a moment after the deadline (later on a loaded machine): the
        # regulator reloads the desk until it lists the room, as a person would
        for _ in range(40):
            trip.go("/accounts/dashboard/")
            if trip.page.locator(f"a[href='/opening/{sid}/']").count():
                break
            time.sleep(1.5)
        trip.page.wait_for_selector(f"a[href='/opening/{sid}/']")
        trip.step("desk-room-live")
        trip.page.click(f"a[href='/opening/{sid}/']")
        trip.page.wait_for_selector("#room[data-connected=yes]")
        trip.page.wait_for_selector("#room[data-state=sign_in]")
        trip.step("watch-room-opens")
        rooms = [enter(browser, server, person, sid) for person in opening.bidders]
        for room, person in zip(rooms, opening.bidders, strict=True):
            room.wait_for_selector("#room[data-state=sign_in]", timeout=WAIT)
            load_key(room, key_file(tmp_path, person))
            sign_in(room)
        trip.page.wait_for_selector("#bidders tr[data-signed-in=yes] >> nth=2")
        trip.step("watch-bidders-signed-in")
        assert trip.page.locator("#start-decryption:visible, #sign-in:visible, #release:visible").count() == 0
        for room in rooms:
            room.context.close()
        _complaint_decided(trip, complaint)
    except BaseException:
        trip.failed(tmp_path / "daphne.log")
        raise
    finally:
        server.kill()
    # then the complaint is decided
    assert Complaint.objects.get(pk=complaint.pk).outcome == "upheld"


def _complaint_decided(trip, complaint) -> None:
    """From the desk: open the complaint, accept it, decide it (upheld), then the enforcement report."""
    trip.go("/accounts/dashboard/")
    trip.step("desk-complaint")
    trip.page.click(f"a[href='/complaints/{complaint.pk}/']")
    trip.page.wait_for_selector(f"form[action='/complaints/{complaint.pk}/accept/']")
    trip.step("complaint-received")
    title = trip.page.text_content("h1")  # a title a person writes: who complains about which project
    complaint = type(complaint).objects.select_related("project", "organisation").get(pk=complaint.pk)
    assert complaint.project.title in title and complaint.organisation.name in title, title
    trip.page.click(f"form[action='/complaints/{complaint.pk}/accept/'] button")
    trip.page.wait_for_selector(f"form[action='/complaints/{complaint.pk}/decide/']")
    trip.step("complaint-accepted")
    decide = trip.page.locator(f"form[action='/complaints/{complaint.pk}/decide/']")
    decide.locator("select[name=outcome]").select_option("upheld")
    decide.locator("textarea[name=text]").fill("经调查，投诉事项属实，责令代理机构改正。")
    decide.locator("button").click()
    trip.page.wait_for_selector("text=经调查，投诉事项属实")
    trip.step("complaint-decided")
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
    assert f"{Decimal(PRICE):,}" in [p.strip() for p in prices], prices
    assert Bid.objects.get(pk=bid.pk).state != Bid.State.REVOKED


def _local(moment) -> str:
    """A datetime as a datetime-local field takes it, in the platform's (Beijing) time."""
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_agency_creates_publishes_hosts_draws_publicises_and_awards(browser, tmp_path):
    from django.utils import timezone

    from accounts.models import Organisation
    from bidding_room.models import OpeningSession
    from bidding_room.services import session_schedule
    from expert_pool.evaluation import selectors as evaluation_selectors
    from expert_pool.evaluation import services as evaluation
    from expert_pool.models import DrawRequest, Evaluation, Seat
    from expert_pool.services import draws
    from tests import sealed
    from tests.bidding_room.factories import sealed_bid
    from tests.bidding_room.live import postgres_env
    from tests.bidding_room.test_browser import enter, key_file, load_key, release, sign_in
    from tests.expert_pool import factories as expert_factories
    from trading.lifecycle import project_advance_due
    from trading.models import Announcement, Award, Candidate, Project, Status

    # given an agency, the tenderer it works for, three bidders with keys, the custodians of opening keys and an
    # expert pool (the data migrations' specialties again: a transactional test before this one flushed them)
    importlib.import_module("expert_pool.migrations.0002_specialty_taxonomy").load(apps, None)
    catalogue_seed()
    agency = chinese(factories.user(role=Role.AGENCY), "钱代理")
    tenderer = factories.organisation(org_type=Organisation.Type.TENDERER)
    regulator = chinese(factories.user(role=Role.REGULATOR), "孙监管")
    officer = chinese(factories.user(role=Role.ADMIN), "李安全")
    for custodian in (agency, regulator, officer):
        sealed.key_register(custodian)
    bidders = [chinese(factories.user(role=Role.BIDDER), f"投标人员{n}") for n in range(3)]
    for person in bidders:
        sealed.key_register(person)
    experts = [expert_factories.expert() for _ in range(8)]
    for n, expert in enumerate(experts):
        chinese(expert.user, f"专家{n:02d}")
    chinese_organisations()
    tenderer.refresh_from_db()
    server = Daphne(env={**postgres_env(tmp_path, redis_db_prefix="journey-agency"), "DJANGO_DEBUG": "0",
                         "DJANGO_ALLOW_ASYNC_UNSAFE": ""}, log_path=tmp_path / "daphne.log").start()
    try:
        trip = journey_of(browser, server, agency, "agency")
        page = trip.page
        # when the agency goes from its desk to a new project and fills it in with the editors (names, pickers,
        # rows of criteria: no code and no JSON typed)
        trip.go("/accounts/dashboard/")
        trip.step("desk")
        page.click("nav a[href='/projects/new/']")
        page.wait_for_selector("form input[name=title]")
        page.fill("input[name=title]", "阳光市滨江公园配套用房工程施工")
        page.select_option("select[name=category]", "construction")
        page.select_option("select[name=tenderer]", label=tenderer.name)
        page.select_option("select[name=procurement_method]", "open")
        page.select_option("select[name=evaluation_method]", "comprehensive")
        for i, (name, kind, weight) in enumerate([("价格", "price", "40"), ("技术", "technical", "50"),
                                                  ("商务", "business", "10")]):
            page.fill(f"input[name=evaluation_criteria-name-{i}]", name)
            page.select_option(f"select[name=evaluation_criteria-kind-{i}]", kind)
            page.fill(f"input[name=evaluation_criteria-weight-{i}]", weight)
        page.wait_for_selector(".criteria-editor output.row-total:has-text('100')")
        deadline = timezone.now() + dt.timedelta(days=25)
        page.fill("input[name=bid_deadline]", _local(deadline))
        page.fill("input[name=documents_end]", _local(deadline - dt.timedelta(days=2)))
        page.fill("input[name=clarification_deadline]", _local(deadline - dt.timedelta(days=16)))
        page.fill("input[name=section_name]", "施工总承包")
        page.fill("input[name=section_base_amount]", "1200000")
        page.select_option("select[name=section_base_type]", "price_cap")
        trip.step("new-project")
        page.click("main form button[type=submit]")
        page.wait_for_selector("#next-steps")
        trip.step("draft")
        project = Project.objects.get(title="阳光市滨江公园配套用房工程施工")
        assert project.status == Status.DRAFT and project.tenderer == tenderer and project.region == "310000"
        assert [c["weight"] for c in project.evaluation_criteria] == [40, 50, 10], project.evaluation_criteria
        # uploads the tender document and publishes the tender notice
        (tmp_path / "招标文件.pdf").write_bytes(b"%PDF-1.7 tender documents")
        page.click("summary:has-text('上传招标文件')")
        page.set_input_files("form[action$='/upload/'] input[type=file]", str(tmp_path / "招标文件.pdf"))
        page.click("form[action$='/upload/'] button")
        page.wait_for_selector("a[href^='/documents/']")
        page.click(".next-steps form.step:has(input[value=published]) button")
        page.wait_for_selector("text=招标公告")
        trip.step("published")
        project.refresh_from_db()
        assert project.status == Status.PUBLISHED
        # the bidders seal their bids (as the bidder journey does in the page); the deadline passes (moved in the
        # record) and the room opens by itself
        section = project.sections.get()
        for n, person in enumerate(bidders):
            sealed_bid(section, person, summary={"price": f"{1_080_000 + n * 10_000}.00"})
        session = session_schedule(section=section)
        Project.objects.filter(pk=project.pk).update(bid_deadline=timezone.now() - dt.timedelta(seconds=1))
        OpeningSession.objects.filter(pk=session.pk).update(opens_at=timezone.now() - dt.timedelta(seconds=1))
        # the agency hosts the opening from its desk: the bidders sign in and release their keys, confirm, and the
        # host closes the opening
        trip.go("/accounts/dashboard/")
        page.wait_for_selector(f"a[href='/opening/{session.pk}/']")
        trip.step("desk-opening-to-host")
        page.click(f"a[href='/opening/{session.pk}/']")
        page.wait_for_selector("#room[data-state=sign_in]")
        trip.step("room-sign-in")
        rooms = [enter(browser, server, person, session.pk) for person in bidders]
        for room, person in zip(rooms, bidders, strict=True):
            room.wait_for_selector("#room[data-state=sign_in]", timeout=WAIT)
            load_key(room, key_file(tmp_path, person))
            sign_in(room)
        page.wait_for_selector("#bidders tr[data-signed-in=yes] >> nth=2")
        trip.step("room-signed-in")
        page.click("#start-decryption")
        for room in rooms:
            room.wait_for_selector("#room[data-state=decrypting]", timeout=WAIT)
            release(room)
        page.wait_for_selector("#results[data-published=yes]")
        page.wait_for_selector("#room[data-state=confirming]")
        trip.step("room-results")
        for room in rooms:
            room.click("#confirm")
            room.wait_for_selector("#me[data-confirmed=yes]", timeout=WAIT)
        page.wait_for_selector("#bidders tr[data-confirmed=yes] >> nth=2")
        page.click("#close")
        page.wait_for_selector("#record-link")
        trip.step("room-closed")
        for room in rooms:
            room.context.close()
        project.refresh_from_db()
        assert project.status == Status.EVALUATION
        # requests the expert draw from the desk with the group editor (specialty by name, a count) and draws
        trip.go("/accounts/dashboard/")
        page.click(f"a[href='/experts/sections/{section.pk}/draw/']")
        page.wait_for_selector("select[name=composition-specialty-0]")
        starts, ends = expert_factories.evaluation_window()
        page.fill("input[name=evaluation_starts_at]", _local(starts))
        page.fill("input[name=evaluation_ends_at]", _local(ends))
        page.select_option("select[name=composition-specialty-0]", "A0801")
        page.fill("input[name=composition-count-0]", "5")
        page.select_option("select[name=composition-specialty-1]", "")
        page.fill("input[name=composition-count-1]", "")
        page.wait_for_selector(".row-editor output.row-total:has-text('5')")
        trip.step("draw-request")
        page.click("main form button[type=submit]")
        page.wait_for_selector("form:has(input[value=perform]) button")
        trip.step("draw-committed")
        page.click("form:has(input[value=perform]) button")
        page.wait_for_selector("text=已抽取")
        trip.step("draw-drawn")
        request = DrawRequest.objects.get(section=section)
        # the experts confirm (the expert journey does it in the page); the agency opens the evaluation room
        for seat in Seat.objects.filter(request=request, role=Seat.Role.MEMBER, state=Seat.State.NOTIFIED):
            draws.seat_answer(seat=seat, accept=True)
        page.reload()
        page.click(f"form[action='/experts/sections/{section.pk}/evaluation/open/'] button")
        page.wait_for_selector("h1")
        trip.step("evaluation-open")
        # the committee scores, the leader aggregates and signs (the expert journey does it in the page)
        room = Evaluation.objects.get(section=section)
        members = list(Seat.objects.filter(request=request, role=Seat.Role.MEMBER, state=Seat.State.CONFIRMED)
                       .select_related("expert__user").order_by("group", "position"))
        for n, seat in enumerate(members):
            evaluation.score_save(evaluation=room, user=seat.expert.user, scores={
                str(b["bid"]): {"技术": str(80 + n), "商务": "90"} for b in room.bids})
            evaluation.score_submit(evaluation=room, user=seat.expert.user)
        leader = evaluation_selectors.leader_seat(evaluation=room).expert.user
        evaluation.low_price_check_run(evaluation=room, user=leader)
        evaluation.evaluation_aggregate(evaluation=room, user=leader)
        evaluation.evaluation_report(evaluation=room, user=leader)
        # then the agency publicises the candidates (中标候选人公示) from its desk
        trip.go("/accounts/dashboard/")
        trip.step("desk-candidates-to-publicise")
        page.click(f"a[href='/projects/{project.pk}/#next-steps']")
        page.wait_for_selector(".next-steps form.step:has(input[value=publicity]) button")
        trip.step("candidates")
        page.click(".next-steps form.step:has(input[value=publicity]) button")
        page.wait_for_selector("text=中标候选人公示")
        trip.step("publicity")
        project.refresh_from_db()
        assert project.status == Status.PUBLICITY
        assert Announcement.objects.filter(project=project, kind="candidates").exists()
        # the publicity period ends (moved in the record) and the agency records the award and confirms it
        Project.objects.filter(pk=project.pk).update(publicity_ends_at=timezone.now() - dt.timedelta(seconds=1))
        assert project_advance_due(project_id=project.pk) == Status.READY_TO_AWARD
        trip.go("/accounts/dashboard/")
        page.click(f"a[href='/projects/{project.pk}/#next-steps']")
        page.wait_for_selector("form[action$='/award/'] select[name=organisation]")
        trip.step("award-form")
        page.click("form[action$='/award/'] button")
        page.wait_for_selector(".next-steps form.step:has(input[value=awarded]) button")
        page.click(".next-steps form.step:has(input[value=awarded]) button")
        page.wait_for_selector("text=中标结果公告")
        trip.step("awarded")
    except BaseException:
        trip.failed(tmp_path / "daphne.log")
        raise
    finally:
        server.kill()
    project.refresh_from_db()
    award, first = Award.objects.get(section=section), Candidate.objects.get(section=section, rank=1)
    assert project.status == Status.AWARDED
    assert (award.organisation, award.amount) == (first.organisation, first.price)


def test_custodians_check_their_keys_hand_in_their_shares_and_the_opening_decrypts(browser, server, tmp_path,
                                                                                   settings):
    import base64
    import json

    from django.utils import timezone

    import sealing
    from audit.models import AuditEvent
    from bidding_room import services as room
    from bidding_room.models import OpeningSession
    from tests import sealed
    from tests.bidding_room.factories import opening_starts, sealed_opening
    from tests.bidding_room.test_browser import key_file
    from tests.bidding_room.test_opening import sign_in
    from trading import storage
    from trading.models import Bid, Custodian, Project

    # given a published project that allows the custodians' backup decryption (EB 31), three sealed bids, and its
    # opening key split among its agency, a regulator and the platform's security officer; the deadline an hour on
    settings.VAR_DIR = tmp_path / "var"  # the server's: the platform's key that wraps the stored shares is there
    catalogue_seed()
    world = sealed_opening(bidders=3, decryption_minutes=60, objection_minutes=60)
    ahead = timezone.now() + dt.timedelta(hours=1)
    Project.objects.filter(pk=world.project.pk).update(bid_deadline=ahead, allow_backup_decryption=True)
    OpeningSession.objects.filter(pk=world.session.pk).update(opens_at=ahead)
    agency, regulator, officer = [c.user for c in Custodian.objects.filter(project=world.project)
                                  .select_related("user").order_by("position")]
    for person, name in ((agency, "钱代理"), (regulator, "孙监管"), (officer, "李安全"), *(
            (p, f"投标人员{n}") for n, p in enumerate(world.bidders))):
        chinese(person, name)
    chinese_organisations()
    project_url = f"/projects/{world.project.pk}/"
    form, status = "form.custody-open", "form.custody-open .custody-status"

    def open_with(page, key: str, passphrase: str = sealed.PASSPHRASE) -> None:
        page.set_input_files(f"{form} .key-file", key)
        page.fill(f"{form} .passphrase", passphrase)
        page.click(f"{form} button")

    trip = journey_of(browser, server, regulator, "custodian")
    page = trip.page
    try:
        # when the regulator goes from its desk to the key check on the project page, and tries first with a public
        # key file, then with a wrong passphrase, then with another custodian's key: each refused in the page, in
        # Chinese, and nothing stored
        trip.go("/accounts/dashboard/")
        trip.step("desk-key-check")
        page.click(f"a[href='{project_url}#custody']")
        wait_for_js(page, "window.custodyPageReady === true")
        trip.step("custody-before-deadline")
        public = tmp_path / "regulator.pub.pem"
        public.write_text(sealed.private_keys[regulator.pk].public_key.pem())
        own = key_file(tmp_path, regulator)
        for key, passphrase, refusal in ((str(public), sealed.PASSPHRASE, "不是加密的私钥文件"),
                                         (own, "not the passphrase", "口令"),
                                         (key_file(tmp_path, agency), sealed.PASSPHRASE, "不是您的份额对应的密钥")):
            open_with(page, key, passphrase)
            page.wait_for_selector(f"{status}:has-text('{refusal}')")
        trip.step("key-check-refused")
        mine = Custodian.objects.get(project=world.project, user=regulator)
        assert mine.check_challenge is None and mine.key_proven_at is None
        assert not AuditEvent.objects.filter(action="trading.custody.check_issue").exists()
        # ... and then with its own key file and passphrase: the key check is opened in the browser and its key proven
        open_with(page, own)
        page.wait_for_selector("text=您的密钥已验证")
        trip.step("key-proven")
        assert Custodian.objects.get(pk=mine.pk).key_proven_at is not None

        # the deadline passes, the room opens, the bidders sign in and release their keys; the third bid's stored
        # file is damaged on the platform's disk while it is decrypted (a platform fault: not the bidder's), and then
        # restored from the platform's copy
        opening_starts(world)
        room.session_open_due(session_id=world.session.pk)
        for person in world.bidders:
            sign_in(world, person)
        room.decryption_start(session=world.session, user=world.agency)
        for n, (person, bid) in enumerate(zip(world.bidders, world.bids, strict=True)):
            path = storage.protected_path(bid.storage_path)
            content_key = sealing.content_key_unwrap(path, key=sealed.private_keys[person.pk])
            original = path.read_bytes()
            if n == 2:  # a byte of the last chunk's tag (the trailer is 102 bytes for one chunk)
                path.write_bytes(original[:-110] + bytes([original[-110] ^ 1]) + original[-109:])
            room.key_release(session=world.session, user=person,
                             content_key=base64.b64encode(content_key).decode())
            path.write_bytes(original)
        failed = Bid.objects.get(pk=world.bids[2].pk)
        assert failed.state == Bid.State.SUBMITTED and failed.decrypt_bidder_fault is False, failed.decrypt_error

        # the regulator's desk asks for its share; it hands it in: a share of another project's opening key is
        # refused in the page first
        trip.go("/accounts/dashboard/")
        trip.step("desk-share")
        page.click(f"a[href='{project_url}#custody']")
        wait_for_js(page, "window.custodyPageReady === true")
        trip.step("share-to-hand-in")
        _sealed_key, others = sealing.key_split(sealing.keypair_generate("intl"), [
            sealed.private_keys[regulator.pk].public_key, sealing.keypair_generate("intl").public_key], threshold=2)
        foreign = tmp_path / "share-of-another-project.json"
        foreign.write_text(json.dumps(others[0].to_dict()))
        page.set_input_files(f"{form} .share-file", str(foreign))
        open_with(page, own)
        page.wait_for_selector(f"{status}:has-text('另一个项目')")
        trip.step("share-refused")
        assert Custodian.objects.get(pk=mine.pk).submitted_at is None
        assert not AuditEvent.objects.filter(action="trading.custody.share_get").exists()
        page.set_input_files(f"{form} .share-file", [])
        open_with(page, own)
        page.wait_for_selector("text=您的份额已提交")
        trip.step("share-handed-in")
        # the security officer hands in its share from the file it downloaded
        officer_trip = journey_of(browser, server, officer, "custodian-officer")
        officer_trip.go(project_url)
        wait_for_js(officer_trip.page, "window.custodyPageReady === true")
        downloaded = officer_trip.page.context.request.get(
            f"{server.url}/api/trading/projects/{world.project.pk}/share/?format=json")
        assert downloaded.ok
        (tmp_path / "share.json").write_bytes(downloaded.body())
        officer_trip.page.set_input_files(f"{form} .share-file", str(tmp_path / "share.json"))
        open_with(officer_trip.page, key_file(tmp_path, officer))
        officer_trip.page.wait_for_selector("text=您的份额已提交")
        officer_trip.step("share-handed-in")
        assert Custodian.objects.filter(project=world.project).exclude(submitted_secret="").count() == 2

        # then the host decrypts the failed bid with the custodians' shares in the room, and the results are read out
        host = journey_of(browser, server, world.agency, "custodian-host")
        host.go(f"/opening/{world.session.pk}/")
        host.page.wait_for_selector("#bidders tr[data-decryption=failed] button.backup-decrypt")
        host.step("room-backup-offered")
        host.page.click("button.backup-decrypt")
        host.page.wait_for_selector("#results[data-published=yes]")
        host.step("room-results")
        prices = host.page.eval_on_selector_all("#results tbody td.num", "cells => cells.map(c => c.textContent)")
    except BaseException:
        trip.failed(tmp_path / "daphne.log")
        raise
    assert prices == ["880,000.00", "881,000.00", "882,000.00"], prices
    assert Bid.objects.get(pk=failed.pk).state == Bid.State.OPENED
    assert AuditEvent.objects.filter(action="trading.custody.combine").count() == 1
