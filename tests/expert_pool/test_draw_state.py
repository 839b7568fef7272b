"""The draw's state follows its committee: confirmed once every wanted member confirmed, back to drawn while a
reserve is being called; and its page never says "not drawn yet" to someone who only may not see the members."""

import pytest
from django.test import Client

from expert_pool.models import DrawRequest, Seat
from expert_pool.services import draws
from tests.expert_pool.evaluation_factories import Setup

pytestmark = pytest.mark.django_db


def test_the_draw_is_confirmed_when_every_member_confirmed_and_drawn_again_while_a_reserve_is_called(
        django_capture_on_commit_callbacks):
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        request = draws.draw_perform(request=_requested(setup))
    members = setup.members()
    assert request.state == DrawRequest.State.DRAWN
    for seat in members[:-1]:
        draws.seat_answer(seat=seat, accept=True)
        assert DrawRequest.objects.get(pk=request.pk).state == DrawRequest.State.DRAWN
    draws.seat_answer(seat=members[-1], accept=True)
    assert DrawRequest.objects.get(pk=request.pk).state == DrawRequest.State.CONFIRMED

    with django_capture_on_commit_callbacks(execute=True):
        draws.seat_withdraw(seat=members[0], reason="与投标人存在利害关系（回避）")
    assert DrawRequest.objects.get(pk=request.pk).state == DrawRequest.State.DRAWN
    draws.seat_answer(seat=Seat.objects.get(replaces=members[0]), accept=True)
    assert DrawRequest.objects.get(pk=request.pk).state == DrawRequest.State.CONFIRMED

    announced = draws.draw_announce(request=request)
    assert announced.state == DrawRequest.State.ANNOUNCED


def _requested(setup):
    from expert_pool.services.section_draw import section_draw_request_create
    from tests.expert_pool import factories as expert_factories

    setup.request = section_draw_request_create(
        section=setup.section, requested_by=setup.agency_user, composition=[{"specialty": "A0801", "count": 5}],
        regions=["310000"], evaluation_starts_at=expert_factories.evaluation_window()[0],
        evaluation_ends_at=expert_factories.evaluation_window()[1], reserve_size=3)
    return setup.request


def test_a_member_reads_the_counts_not_not_drawn_yet(django_capture_on_commit_callbacks, settings):
    # (A reserve never called may not open the draw page at all: tests/trading/test_confidentiality.py.)
    settings.LANGUAGE_CODE = "zh-hans"
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        request = setup.draw()
    member = Seat.objects.filter(request=request).exclude(role=Seat.Role.RESERVE).select_related(
        "expert__user").first()
    client = Client()
    client.force_login(member.expert.user)

    page = client.get(f"/experts/draws/{request.pk}/").content.decode()

    assert "尚未抽取" not in page and "已确认 5" in page
    assert "专家组已确认" in page and "正在通知专家" not in page
