"""The opening room end to end in real Chromium against a real Daphne on the test database.

The host (agency), the bidders and a regulator each have their own browser context. Bidders sign in by signing the
server's challenge in the browser with their encrypted key file and passphrase, and release their content key from
the browser (static/js/room.js + static/js/sealing.js). Windows are short: ROOM_WINDOW_MINUTE_SECONDS=1 makes a
project's "minute" one second.
"""

import hashlib

import pytest

from bidding_room.models import OpeningRecord, RoomBidder, State
from credit.models import CreditEvent
from tests import sealed
from tests.bidding_room.factories import sealed_opening
from tests.bidding_room.live import catalogue_seed, postgres_env, session_cookie
from tests.servers import Daphne
from trading.models import Bid

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 30_000  # ms


def serve(world, tmp_path) -> Daphne:
    catalogue_seed()
    env = {**postgres_env(tmp_path, redis_db_prefix=f"room-browser-{world.session.pk}"),
           "ROOM_WINDOW_MINUTE_SECONDS": "1", "DJANGO_DEBUG": "0", "DJANGO_ALLOW_ASYNC_UNSAFE": ""}
    return Daphne(env=env, log_path=tmp_path / "daphne.log").start()


def enter(browser, daphne: Daphne, user, session_id: int):
    """A browser context logged in as ``user`` (its session cookie), on the room page."""
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.goto(f"{daphne.url}/opening/{session_id}/")
    page.wait_for_selector("#room[data-connected=yes]", timeout=WAIT)
    return page


def key_file(tmp_path, person) -> str:
    path = tmp_path / f"key-{person.pk}.pem"
    path.write_bytes(sealed.private_keys[person.pk].pem(sealed.PASSPHRASE))
    return str(path)


def load_key(page, path: str) -> None:
    page.set_input_files("#keyfile", path)
    page.fill("#passphrase", sealed.PASSPHRASE)


def sign_in(page) -> None:
    page.click("#sign-in")
    page.wait_for_selector("#me[data-signed-in=yes]", timeout=WAIT)


def release(page) -> None:
    page.click("#release")
    page.wait_for_selector("#me[data-decryption=decrypted]", timeout=WAIT)


def published(page) -> bool:
    return page.get_attribute("#results", "data-published") == "yes"


def host_click(page, button: str, state: str) -> None:
    page.click(f"#{button}")
    page.wait_for_selector(f"#room[data-state={state}]", timeout=WAIT)


def test_host_three_bidders_and_a_regulator_complete_an_opening_in_chromium(chromium, tmp_path):
    # given a section with three sealed bids, past its deadline, served by a real Daphne
    world = sealed_opening(bidders=3, decryption_minutes=120, objection_minutes=120)
    daphne = serve(world, tmp_path)
    try:
        sid = world.session.pk
        host = enter(chromium, daphne, world.agency, sid)
        regulator = enter(chromium, daphne, world.regulator, sid)
        bidders = [enter(chromium, daphne, person, sid) for person in world.bidders]
        everyone = [host, regulator, *bidders]
        # the room opens by itself (the in-process sweep) and everyone sees it
        for page in everyone:
            page.wait_for_selector("#room[data-state=sign_in]", timeout=WAIT)
        # when each bidder signs the challenge with its key file in the browser
        for page, person in zip(bidders, world.bidders, strict=True):
            load_key(page, key_file(tmp_path, person))
            sign_in(page)
        host.wait_for_selector("#bidders tr[data-signed-in=yes] >> nth=2", timeout=WAIT)
        host_click(host, "start-decryption", State.DECRYPTING)
        regulator.wait_for_selector("#room[data-state=decrypting]", timeout=WAIT)
        # two release their keys: decrypted, but nothing is published while the third bid is closed
        for page in bidders[:2]:
            release(page)
        regulator.wait_for_selector("#bidders tr[data-decryption=decrypted] >> nth=1", timeout=WAIT)
        assert not any(published(page) for page in everyone)
        assert bidders[2].get_attribute("#me", "data-decryption") == "waiting"
        release(bidders[2])
        # then the table reaches everyone, with the three prices in the order received
        for page in everyone:
            page.wait_for_selector("#results[data-published=yes]", timeout=WAIT)
            page.wait_for_selector("#room[data-state=confirming]", timeout=WAIT)
        tables = [page.eval_on_selector_all("#results tbody tr", "rows => rows.map(r => r.dataset.bidder + ' ' + "
                                            "r.querySelector('.num').textContent)") for page in everyone]
        expected = [f"{p.organisation.name} {880000 + i * 1000:,}.00" for i, p in enumerate(world.bidders)]
        assert all(table == expected for table in tables), tables

        # one bidder objects; the host answers it in the room; everyone sees both
        bidders[0].fill("#objection-text", "第二名报价与开标一览表不一致，请复核")
        bidders[0].click("#object")
        host.wait_for_selector("#objections li[data-objection] form", timeout=WAIT)
        host.fill("#objections .answer-input", "已当场复核，与投标文件一致")
        host.click("#objections form button")
        for page in everyone:
            page.wait_for_selector("#objections li[data-answered=yes]", timeout=WAIT)
            assert "已当场复核" in page.text_content("#objections li[data-answered=yes] .answer")
        # every bidder confirms; the host closes the opening
        for page in bidders:
            page.click("#confirm")
            page.wait_for_selector("#me[data-confirmed=yes]", timeout=WAIT)
        host.wait_for_selector("#bidders tr[data-confirmed=yes] >> nth=2", timeout=WAIT)
        host_click(host, "close", State.CLOSED)

        # the record PDF is produced, announced to everyone and downloadable with the hash shown
        for page in everyone:
            page.wait_for_selector("#record-link", timeout=WAIT)
        shown = bidders[1].text_content("#record code").strip()
        pdf = bidders[1].context.request.get(f"{daphne.url}{bidders[1].get_attribute('#record-link', 'href')}")
        assert pdf.ok and pdf.body()[:5] == b"%PDF-"
        assert hashlib.sha256(pdf.body()).hexdigest() == shown
        logs = [page.eval_on_selector_all("#log li", "items => items.map(i => i.dataset.kind)") for page in everyone]
    finally:
        daphne.kill()

    assert all(log == logs[0] for log in logs), logs
    assert logs[0] == ["opened", "decryption_started", "published", "confirmation_opened", "objection_raised",
                       "objection_answered", "closed", "record_published"]
    record = OpeningRecord.objects.get(session=world.session)
    assert record.sha256 == shown
    assert record.content["objections"][0]["answer"] == "已当场复核，与投标文件一致"
    assert all(b["confirmed_at"] for b in record.content["bidders"])


def test_a_bidder_that_never_decrypts_is_revoked_when_the_window_ends(chromium, tmp_path):
    # given four sealed bids and a decryption window of a few seconds
    world = sealed_opening(bidders=4, decryption_minutes=8, objection_minutes=120)
    daphne = serve(world, tmp_path)
    try:
        sid = world.session.pk
        host = enter(chromium, daphne, world.agency, sid)
        regulator = enter(chromium, daphne, world.regulator, sid)
        bidders = [enter(chromium, daphne, person, sid) for person in world.bidders]
        everyone = [host, regulator, *bidders]
        for page, person in zip(bidders, world.bidders, strict=True):
            page.wait_for_selector("#room[data-state=sign_in]", timeout=WAIT)
            load_key(page, key_file(tmp_path, person))
            sign_in(page)
        host.wait_for_selector("#room[data-state=sign_in]", timeout=WAIT)
        host_click(host, "start-decryption", State.DECRYPTING)
        # when three release their keys and the fourth never does
        for page in bidders[:3]:
            release(page)
        assert not any(published(page) for page in everyone)
        # then, once the window has ended, the table is published without the fourth, shown as revoked (撤销)
        for page in everyone:
            page.wait_for_selector("#results[data-published=yes]", timeout=WAIT)
            page.wait_for_selector("#not-opened [data-state=revoked]", timeout=WAIT)
        rows = regulator.eval_on_selector_all("#results tbody tr", "rows => rows.map(r => r.dataset.bidder)")
        revoked = bidders[3].text_content("#not-opened [data-state=revoked]")
        assert bidders[3].get_attribute("#me", "data-decryption") in ("not_decrypted", "waiting")
        bidders[3].wait_for_selector("#me[data-decryption=not_decrypted]", timeout=WAIT)
    finally:
        daphne.kill()

    assert rows == [p.organisation.name for p in world.bidders[:3]]
    assert world.bidders[3].organisation.name in revoked and "撤销" in revoked
    assert Bid.objects.get(pk=world.bids[3].pk).state == Bid.State.REVOKED
    assert RoomBidder.objects.get(bid=world.bids[3]).decryption == RoomBidder.Decryption.NOT_DECRYPTED
    assert CreditEvent.objects.filter(organisation=world.bidders[3].organisation).exists()
