"""A whole 限时竞价 in real Chromium against a real Daphne: two bidders and an observer, to the 成交确认书."""

import pytest

from auctions.models import Lot, LotDocument
from tests.auctions import factories as f
from tests.auctions.test_hall import COUNTDOWN, step, timed_bidding
from tests.bidding_room.live import postgres_env, session_cookie
from tests.browser import wait_for_js
from tests.servers import Daphne

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 30_000  # ms


def enter(browser, daphne: Daphne, user, path: str):
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.goto(f"{daphne.url}{path}")
    return page


def bid(page, amount: str) -> str:
    page.fill("#amount", amount)
    page.click("#bid")
    wait_for_js(page, "!document.getElementById('bid').disabled && "
                      "!document.getElementById('bid-message').textContent.includes('等待确认')")
    return page.text_content("#bid-message")


def test_two_bidders_and_an_observer_through_a_whole_timed_bidding_to_the_deal_confirmation(chromium, tmp_path,
                                                                                           settings):
    settings.AUCTIONS_COUNTDOWN_SECONDS = float(COUNTDOWN)
    w, lot, apps = timed_bidding(bidders=2)
    names = [app.organisation.name for app in apps]
    env = {**postgres_env(tmp_path, redis_db_prefix=f"hall-browser-{lot.pk}"), "AUCTIONS_COUNTDOWN_SECONDS": COUNTDOWN,
           "AUCTIONS_HALL_TICK_SECONDS": "0.3", "DJANGO_DEBUG": "0", "DJANGO_ALLOW_ASYNC_UNSAFE": ""}
    with Daphne(env=env, log_path=tmp_path / "daphne.log") as daphne:
        hall = f"/auctions/lots/{lot.pk}/hall/"
        first, second = (enter(chromium, daphne, user, hall) for user in w.bidders)
        observer = enter(chromium, daphne, w.regulator, hall)
        for page in (first, second, observer):
            wait_for_js(page, "document.getElementById('hall').dataset.connected === 'yes' && "
                              "window.hall.view.state === 'live' && window.hall.view.seqs.size === 2")
            # the countdown runs on the server's clock from the lot's recorded end
            wait_for_js(page, "/^\\d\\d:\\d\\d$/.test(document.getElementById('countdown').textContent)")
        assert first.text_content("#me") == apps[0].bidder_number

        # a bid below the current price plus the increment is refused, with the reason, on the bidder's page
        refused = bid(first, "10150000")
        assert "报价未被接受" in refused and "10,200,000.00" in refused
        # valid bids, taking turns: each is accepted, published at once to everyone, and restarts the countdown
        assert "已被接受" in bid(first, step(1))
        assert "已被接受" in bid(second, step(2))
        assert "已被接受" in bid(first, step(3))
        for page in (first, second, observer):
            wait_for_js(page, "window.hall.view.seqs.size === 5")
            assert page.text_content("#current") == "10,400,000.00"
            assert page.text_content("#leader") == apps[0].bidder_number
        assert "您是当前最高报价人" in first.text_content("#me-leading")
        # nobody's name shows before the close
        assert not any(name in observer.content() for name in names)

        # when the countdown's end passes (the record moved; no waiting on a slow machine), the hall closes
        f.countdown_ends(lot)
        for page in (first, second, observer):
            wait_for_js(page, "!document.getElementById('result').hidden", timeout=30)
            assert "成交" in page.text_content("#result") and names[0] in page.text_content("#result")
        wait_for_js(observer, "document.getElementById('documents').textContent.includes('网上竞得证明')")
        lot.refresh_from_db()
        assert lot.state == Lot.State.SOLD and str(lot.deal_price) == step(3)

        # the winner signs the 成交确认书 on the sale's page; its PDF is published to the hall
        sale_page = first.context.new_page()
        sale_page.goto(f"{daphne.url}/auctions/sales/{lot.sale_id}/")
        sale_page.click(f"#confirm-{lot.pk}")
        sale_page.wait_for_selector("text=成交确认书已签订", timeout=WAIT)
        wait_for_js(observer, "document.getElementById('documents').textContent.includes('成交确认书')")
        confirmation = LotDocument.objects.get(lot=lot, kind=LotDocument.Kind.CONFIRMATION)
        response = observer.request.get(f"{daphne.url}/auctions/lots/{lot.pk}/confirmation.pdf")
        assert response.ok and response.headers["x-content-sha256"] == confirmation.sha256
        assert response.body()[:5] == b"%PDF-"
