"""Notification, answers, replacement from the reserve list, secrecy of names, the published record."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from credit.services import blacklist_entry_create
from expert_pool.models import DrawRequest, Seat
from expert_pool.selectors.draws import committee_summary, committee_view
from expert_pool.services import draws
from expert_pool.tasks import seats_expire_task
from tests import factories as base
from tests.expert_pool import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(django_capture_on_commit_callbacks):
    """A committee of five drawn from eight experts: five members notified, three reserves waiting."""
    experts = [factories.expert() for _ in range(8)]
    who = factories.parties()
    request = factories.draw_request(who=who, reserve_size=3)
    with django_capture_on_commit_callbacks(execute=True):
        request = draws.draw_perform(request=request)
    return request, who, experts


def members(request):
    return list(Seat.objects.filter(request=request, role=Seat.Role.MEMBER).order_by("position"))


def test_drawn_members_are_notified_through_the_channel_and_reserves_wait(drawn):
    request, _, _ = drawn
    assert [s.state for s in members(request)] == ["notified"] * 5
    assert Seat.objects.filter(request=request, role="reserve", state="waiting").count() == 3
    sent = AuditEvent.objects.filter(action="expert_pool.seat.notify_sent")
    assert sent.count() == 5 and {e.payload["channel"] for e in sent} == {"log"}
    assert all(s.respond_by <= request.evaluation_starts_at for s in members(request))


def test_confirming_records_the_answer(drawn):
    request, _, _ = drawn
    seat = draws.seat_answer(seat=members(request)[0], accept=True)
    assert seat.state == "confirmed" and seat.responded_at is not None
    assert AuditEvent.objects.filter(action="expert_pool.seat.confirm", object_id=str(seat.pk)).exists()
    with pytest.raises(ValidationError, match="already been answered"):
        draws.seat_answer(seat=seat, accept=False, note="changed my mind")


def test_declining_calls_the_first_reserve_by_the_same_draw(drawn, django_capture_on_commit_callbacks):
    request, _, _ = drawn
    first_reserve = Seat.objects.filter(request=request, role="reserve").order_by("position").first()
    with django_capture_on_commit_callbacks(execute=True):
        draws.seat_answer(seat=members(request)[2], accept=False, note="与投标人存在利害关系")
    first_reserve.refresh_from_db()
    assert first_reserve.role == "member" and first_reserve.state == "notified"
    assert first_reserve.replaces_id == members(request)[2].pk or first_reserve.replaces.state == "declined"
    assert committee_summary(request=request)["short"] == 0


def test_a_reserve_called_during_the_evaluation_can_still_answer(drawn, django_capture_on_commit_callbacks):
    request, _, _ = drawn
    now = timezone.now()
    type(request).objects.filter(pk=request.pk).update(evaluation_starts_at=now - dt.timedelta(minutes=5),
                                                       evaluation_ends_at=now + dt.timedelta(hours=3))
    request.refresh_from_db()
    first_reserve = Seat.objects.filter(request=request, role="reserve").order_by("position").first()
    with django_capture_on_commit_callbacks(execute=True):
        draws.seat_answer(seat=members(request)[2], accept=False, note="突发疾病")
    first_reserve.refresh_from_db()
    assert first_reserve.state == "notified" and first_reserve.respond_by > timezone.now()
    draws.seat_answer(seat=first_reserve, accept=True)
    first_reserve.refresh_from_db()
    assert first_reserve.state == "confirmed"


def test_declining_without_a_reason_is_refused_and_nothing_changes(drawn):
    request, _, _ = drawn
    seat = members(request)[0]
    with pytest.raises(ValidationError) as caught:
        draws.seat_answer(seat=seat, accept=False, note=" ")
    assert "why you decline" in caught.value.message_dict["note"][0]
    seat.refresh_from_db()
    assert seat.state == "notified" and Seat.objects.filter(request=request, state="waiting").count() == 3


def test_silence_past_the_deadline_is_swept_and_a_reserve_called(drawn):
    request, _, _ = drawn
    silent = members(request)[1]
    Seat.objects.filter(pk=silent.pk).update(respond_by=timezone.now() - dt.timedelta(seconds=1))
    assert seats_expire_task.apply().get() == 1
    silent.refresh_from_db()
    assert silent.state == "expired" and silent.replaced_by.state == "notified"
    with pytest.raises(ValidationError, match="already been answered"):
        draws.seat_answer(seat=silent, accept=True)


def test_answering_after_the_deadline_is_refused(drawn):
    request, _, _ = drawn
    seat = members(request)[0]
    Seat.objects.filter(pk=seat.pk).update(respond_by=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="time to answer ended"):
        draws.seat_answer(seat=seat, accept=True)


def test_the_sweep_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "expert_pool.tasks.seats_expire_task" in tasks


def test_a_reserve_black_listed_after_the_draw_is_refused_by_credit_and_the_next_called(drawn):
    request, _, _ = drawn
    reserves = list(Seat.objects.filter(request=request, role="reserve").order_by("position"))
    blacklist_entry_create(person=reserves[0].expert.user, reason="串通投标", legal_basis="TL 72",
                           starts_on=timezone.localdate(), ends_on=timezone.localdate() + dt.timedelta(days=365))
    draws.seat_answer(seat=members(request)[0], accept=False, note="出差")
    reserves[0].refresh_from_db()
    reserves[1].refresh_from_db()
    assert reserves[0].state == "refused" and "blacklisted" in reserves[0].answer_note
    assert reserves[1].state == "notified" and reserves[1].role == "member"


def test_when_reserves_run_out_the_committee_is_short_and_it_is_recorded(drawn):
    request, _, _ = drawn
    for seat in members(request)[:4]:
        draws.seat_answer(seat=seat, accept=False, note="另有安排")
    summary = committee_summary(request=request)
    assert summary["short"] == 1 and summary["reserves_left"] == 0
    assert AuditEvent.objects.filter(action="expert_pool.draw.reserve_exhausted").count() == 1


def test_withdrawing_a_confirmed_member_voids_the_seat_and_calls_a_reserve(drawn):
    request, _, _ = drawn
    seat = draws.seat_answer(seat=members(request)[0], accept=True)
    with pytest.raises(ValidationError):
        draws.seat_withdraw(seat=seat, reason="")
    draws.seat_withdraw(seat=seat, reason="评标中发现与投标人存在利害关系（回避）")
    seat.refresh_from_db()
    assert seat.state == "replaced" and seat.replaced_by.state == "notified"


def test_names_are_hidden_from_the_agency_until_announced(drawn, client):
    request, who, _ = drawn
    agency_user = request.requested_by
    regulator = base.user(role=Role.REGULATOR)
    # the agency sees counts and states only
    rows = committee_view(user=agency_user, request=request)
    assert len(rows) == 5 and all(r["name"] is None and r["expert_id"] is None for r in rows)
    assert {r["state"] for r in rows} == {"notified"}
    client.force_login(agency_user)
    page = client.get(reverse("expert_pool:draw_detail", args=[request.pk]))
    for seat in members(request):
        assert str(seat.expert.user) not in page.content.decode()
    api = client.get(reverse("expert_pool_api:committee", args=[request.pk])).json()
    assert api["summary"]["waiting"] == 5 and all(s["name"] is None for s in api["seats"])
    # the regulator sees names; an expert sees only their own seat
    assert all(r["name"] for r in committee_view(user=regulator, request=request))
    own = members(request)[0]
    assert [r["name"] for r in committee_view(user=own.expert.user, request=request)] == [str(own.expert.user)]
    # a bidder may not look at all
    client.force_login(base.user(role=Role.BIDDER))
    assert client.get(reverse("expert_pool_api:committee", args=[request.pk])).status_code == 403
    # after the announcement the agency sees names
    request = draws.draw_announce(request=request)
    assert all(r["name"] for r in committee_view(user=agency_user, request=request))


def test_the_record_hides_the_seed_until_announced(drawn, client):
    request, _, _ = drawn
    record = client.get(reverse("expert_pool_api:record", args=[request.pk])).json()
    assert record["commitment"] == request.commitment and "seed" not in record and "pool" not in record
    assert record["pool_hash"] == request.pool_hash
    request = draws.draw_announce(request=request)
    record = client.get(reverse("expert_pool_api:record", args=[request.pk])).json()
    assert record["seed"] == request.seed and record["state"] == DrawRequest.State.ANNOUNCED


def test_answer_page_by_link_confirms_without_logging_in(drawn, client):
    request, _, _ = drawn
    seat = members(request)[0]
    url = reverse("expert_pool:seat_answer", args=[seat.token])
    assert client.get(url).status_code == 200
    response = client.post(url, {"accept": "yes", "note": ""})
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.state == "confirmed"


def test_email_channel_sends_the_link(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.EXPERT_NOTIFY_CHANNEL = "email"
    experts = [factories.expert() for _ in range(5)]
    for e in experts:
        e.user.email = f"{e.user.username}@example.cn"
        e.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = draws.draw_perform(request=factories.draw_request(reserve_size=0))
    assert len(mailoutbox) == 5
    tokens = {str(s.token) for s in members(request)}
    assert all(any(t in m.body for t in tokens) for m in mailoutbox)


def test_webhook_channel_posts_json_to_the_gateway(settings, django_capture_on_commit_callbacks):
    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.EXPERT_NOTIFY_CHANNEL = "webhook"
        settings.EXPERT_NOTIFY_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/sms"
        [factories.expert() for _ in range(5)]
        with django_capture_on_commit_callbacks(execute=True):
            draws.draw_perform(request=factories.draw_request(reserve_size=0))
    finally:
        server.shutdown()
    assert len(received) == 5
    assert all(m["link"].startswith(settings.EXPERT_LINK_BASE_URL) and m["to"]["username"] for m in received)


def test_a_reserve_never_called_cannot_read_the_draw_page(drawn, client, django_capture_on_commit_callbacks):
    request, _, _ = drawn
    reserve = Seat.objects.filter(request=request, role="reserve", state="waiting").order_by("position").first()
    client.force_login(reserve.expert.user)
    url = reverse("expert_pool:draw_detail", args=[request.pk])
    page = client.get(url)
    assert page.status_code == 403
    assert request.title not in page.content.decode()
    assert request.title not in client.get(reverse("expert_pool:draws")).content.decode()
    assert client.get(f"/api/experts/draws/{request.pk}/committee/").status_code == 403
    # Once called (a member declined), it may
    with django_capture_on_commit_callbacks(execute=True):
        draws.seat_answer(seat=members(request)[0], accept=False, note="出差")
    assert client.get(url).status_code == 200
