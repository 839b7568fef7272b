"""The opening session's state machine: opening at the deadline, 流标, refusals that change nothing, commands once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from bidding_room import services
from bidding_room.machine import STEPS
from bidding_room.models import OpeningSession, RoomBidder, RoomCommand, RoomEvent, State
from tests.bidding_room.factories import opening
from trading.models import Status

pytestmark = pytest.mark.django_db


def snapshot(session: OpeningSession) -> tuple:
    session.refresh_from_db()
    return (session.state, session.last_seq, RoomEvent.objects.filter(session=session).count(),
            RoomCommand.objects.filter(session=session).count(), session.decrypt_ends_at)


def test_the_transition_table_names_every_state_once_as_a_target_or_source():
    targets = {s.target for s in STEPS} | {s.source for s in STEPS}
    assert targets == set(State.values)


def test_the_room_opens_at_the_deadline_with_the_bidders_who_submitted_and_moves_the_project(
        django_capture_on_commit_callbacks):
    # given a section with three bids whose deadline has passed
    world = opening(bidders=3)
    # when the timer fires
    with django_capture_on_commit_callbacks(execute=True):
        state = services.session_open_due(session_id=world.session.pk)
    # then the room is in sign-in with one entry per bid, the log says so, and the project is opening
    assert state == State.SIGN_IN
    assert RoomBidder.objects.filter(session=world.session).count() == 3
    assert list(RoomEvent.objects.filter(session=world.session).values_list("seq", "kind")) == [(1, "opened")]
    world.project.refresh_from_db()
    assert world.project.status == Status.OPENING
    assert AuditEvent.objects.filter(action="bidding_room.session.opened", object_id=str(world.session.pk)).exists()


def test_a_room_not_due_stays_scheduled():
    world = opening(deadline=timezone.now() + dt.timedelta(hours=1))
    before = snapshot(world.session)
    assert services.session_open_due(session_id=world.session.pk) == State.SCHEDULED
    assert snapshot(world.session) == before
    world.project.refresh_from_db()
    assert world.project.status == Status.PUBLISHED


def test_fewer_than_three_bids_fail_the_section_and_the_project():
    world = opening(bidders=2)
    assert services.session_open_due(session_id=world.session.pk) == State.FAILED
    world.session.refresh_from_db()
    assert "Fewer than 3 bids were received (2)" in world.session.failure_reason
    assert RoomEvent.objects.get(session=world.session).kind == "failed"
    world.project.refresh_from_db()
    assert world.project.status == Status.FAILED


def test_the_sweep_schedules_and_opens_due_rooms():
    world = opening(bidders=3)
    OpeningSession.objects.all().delete()
    done = services.sessions_sweep()
    assert done["scheduled"] == 1 and done["opened"] == 1
    assert OpeningSession.objects.get(section=world.section).state == State.SIGN_IN


def test_only_the_host_sends_the_decrypt_instruction_and_a_refusal_changes_nothing():
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    before = snapshot(world.session)
    with pytest.raises(PermissionDenied, match="Only the host of the opening"):
        services.decryption_start(session=world.session, user=world.bidders[0])
    with pytest.raises(PermissionDenied, match="Only the host of the opening"):
        services.decryption_start(session=world.session, user=world.regulator)
    assert snapshot(world.session) == before


def test_a_step_out_of_order_is_refused_with_the_steps_allowed():
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    before = snapshot(world.session)
    with pytest.raises(ValidationError) as refused:
        services.session_close(session_id=world.session.pk, user=world.agency)
    assert refused.value.message_dict["state"] == [
        "An opening that is “Sign-in (签到)” cannot become “Closed”. Next steps allowed: Decryption (解密)."]
    assert snapshot(world.session) == before


def test_the_decrypt_instruction_starts_the_projects_window():
    world = opening(bidders=3, decryption_minutes=25)
    services.session_open_due(session_id=world.session.pk)
    services.decryption_start(session=world.session, user=world.agency)
    world.session.refresh_from_db()
    assert world.session.state == State.DECRYPTING
    assert world.session.decrypt_ends_at - world.session.decrypt_started_at == dt.timedelta(minutes=25)
    assert RoomEvent.objects.filter(session=world.session).last().kind == "decryption_started"


def test_results_are_not_published_while_the_window_is_open_and_bids_wait():
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    services.decryption_start(session=world.session, user=world.agency)
    before = snapshot(world.session)
    with pytest.raises(ValidationError, match="Not every bid is decrypted and the decryption window is still open"):
        services.decryption_finish(session_id=world.session.pk, user=world.agency)
    # the platform asking early is no error, and no change either
    assert services.decryption_finish(session_id=world.session.pk) == State.DECRYPTING
    assert snapshot(world.session) == before


def test_a_key_cannot_be_released_before_signing_in():
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    services.decryption_start(session=world.session, user=world.agency)
    before = snapshot(world.session)
    with pytest.raises(ValidationError, match="Sign in with your key before releasing it"):
        services.key_release(session=world.session, user=world.bidders[0], content_key="AAAA")
    assert snapshot(world.session) == before
    assert not RoomBidder.objects.filter(session=world.session, key_released_at__isnull=False).exists()


def test_a_bidder_of_another_section_is_refused():
    world = opening(bidders=3)
    other = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    with pytest.raises(PermissionDenied, match="Your organisation has no bid in this opening"):
        services.signin_challenge(session=world.session, user=other.bidders[0])


def test_a_command_with_the_same_id_is_applied_once():
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    first = services.command_apply(session_id=world.session.pk, user=world.agency, client_id="c-1",
                                   action="start_decryption", args={})
    again = services.command_apply(session_id=world.session.pk, user=world.agency, client_id="c-1",
                                   action="start_decryption", args={})
    assert first == {} and again == {"replayed": True}
    assert RoomEvent.objects.filter(session=world.session, kind="decryption_started").count() == 1


def test_a_command_id_is_not_someone_elses_to_replay():
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    services.command_apply(session_id=world.session.pk, user=world.bidders[0], client_id="same",
                           action="challenge", args={})
    with pytest.raises(ValidationError, match="This command id is already used"):
        services.command_apply(session_id=world.session.pk, user=world.bidders[1], client_id="same",
                               action="challenge", args={})


def test_a_refused_command_is_not_remembered_so_a_corrected_retry_applies():
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    with pytest.raises(PermissionDenied):
        services.command_apply(session_id=world.session.pk, user=world.bidders[0], client_id="x",
                               action="start_decryption", args={})
    assert not RoomCommand.objects.exists()
    services.command_apply(session_id=world.session.pk, user=world.agency, client_id="y", action="start_decryption",
                           args={})
    assert RoomCommand.objects.count() == 1


def test_an_unknown_command_is_named():
    world = opening(bidders=3)
    with pytest.raises(ValidationError, match="Unknown command “dance”"):
        services.command_apply(session_id=world.session.pk, user=world.agency, client_id="z", action="dance", args={})


@pytest.mark.parametrize("action", ["publish", "close", "start_decryption"])
def test_a_bidder_sending_a_host_command_is_refused_and_nothing_is_recorded(action):
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    events = RoomEvent.objects.count(), AuditEvent.objects.count()
    for state in (world.session.state, "decrypting"):  # whatever the room's state: not due yet is no excuse
        OpeningSession.objects.filter(pk=world.session.pk).update(state=state)
        with pytest.raises(PermissionDenied, match="Only the host"):
            services.command_apply(session_id=world.session.pk, user=world.bidders[0], client_id=f"{action}-{state}",
                                   action=action, args={})
    assert not RoomCommand.objects.exists()
    assert (RoomEvent.objects.count(), AuditEvent.objects.count()) == events
