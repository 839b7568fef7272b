"""A whole opening with real sealed envelopes: sign-in by signature, key release, decryption, EB 31, 唱标,
an objection answered, the record, the project moved on."""

import base64
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

import sealing
from bidding_room import services
from bidding_room.models import OpeningRecord, OpeningSession, RoomBidder, RoomEvent, State
from credit.models import CreditEvent
from tests import sealed
from tests.bidding_room.factories import sealed_opening
from trading.models import Bid, Status
from trading.storage import protected_path

pytestmark = pytest.mark.django_db


def sign_in(world, person):
    challenge = services.signin_challenge(session=world.session, user=person)
    signature = sealing.signature_sign(sealed.private_keys[person.pk], challenge.encode())
    return services.bidder_sign_in(session=world.session, user=person, signature=base64.b64encode(signature).decode())


def release(world, person, bid):
    key = sealing.content_key_unwrap(protected_path(bid.storage_path), key=sealed.private_keys[person.pk])
    return services.key_release(session=world.session, user=person, content_key=base64.b64encode(key).decode())


def decrypting(world, capture, *, released: int) -> None:
    """The room opens, every bidder signs in, the host sends the decrypt instruction, and the first ``released``
    bidders release their keys; the platform decrypts each (the task runs after commit)."""
    with capture(execute=True):
        services.session_open_due(session_id=world.session.pk)
    for person in world.bidders:
        sign_in(world, person)
    services.decryption_start(session=world.session, user=world.agency)
    for person, bid in list(zip(world.bidders, world.bids, strict=True))[:released]:
        with capture(execute=True):
            release(world, person, bid)


def test_a_whole_opening_where_one_bidder_never_decrypts(django_capture_on_commit_callbacks):
    world = sealed_opening(bidders=4)
    # three bidders release their keys
    decrypting(world, django_capture_on_commit_callbacks, released=3)
    world.session.refresh_from_db()
    assert world.session.state == State.DECRYPTING  # the fourth bid still waits: nothing is published
    assert not RoomEvent.objects.filter(session=world.session, kind="published").exists()
    # the window ends without the fourth key
    OpeningSession.objects.filter(pk=world.session.pk).update(decrypt_ends_at=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.window_due(session_id=world.session.pk)
    world.session.refresh_from_db()
    assert world.session.state == State.CONFIRMING
    published = RoomEvent.objects.get(session=world.session, kind="published").payload
    assert [row["bidder"] for row in published["table"]] == [b.organisation.name for b in world.bidders[:3]]
    assert [row["summary"]["price"] for row in published["table"]] == ["880000.00", "881000.00", "882000.00"]
    # EB 31: not releasing the key is the bidder's own doing → revoked and a credit event
    last = Bid.objects.get(pk=world.bids[3].pk)
    assert last.state == Bid.State.REVOKED
    assert published["not_opened"][0]["bidder"] == world.bidders[3].organisation.name
    assert CreditEvent.objects.filter(organisation=world.bidders[3].organisation).exists()
    # confirmation: one objects and is answered, the others confirm
    objection = services.objection_raise(session=world.session, user=world.bidders[0], text="第二家报价请复核")
    with pytest.raises(ValidationError, match="Answer every objection before closing"):
        services.session_close(session_id=world.session.pk, user=world.agency)
    services.objection_answer(session=world.session, user=world.agency, objection_id=objection.pk,
                              answer="已复核，与投标文件一致")
    for person in world.bidders[1:3]:
        services.bidder_confirm(session=world.session, user=person)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_close(session_id=world.session.pk, user=world.agency)
    world.session.refresh_from_db()
    assert world.session.state == State.CLOSED
    record = OpeningRecord.objects.get(session=world.session)
    assert record.content["objections"][0]["answer"] == "已复核，与投标文件一致"
    assert [e.kind for e in RoomEvent.objects.filter(session=world.session)] == [
        "opened", "decryption_started", "published", "confirmation_opened", "objection_raised",
        "objection_answered", "closed", "record_published"]
    world.project.refresh_from_db()
    assert world.project.status == Status.EVALUATION


def test_a_wrong_signature_does_not_sign_in():
    world = sealed_opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    services.signin_challenge(session=world.session, user=world.bidders[0])
    other = sealing.signature_sign(sealed.private_keys[world.bidders[1].pk], b"something else")
    with pytest.raises(ValidationError, match="The signature does not verify with your registered key"):
        services.bidder_sign_in(session=world.session, user=world.bidders[0],
                                signature=base64.b64encode(other).decode())
    assert not RoomBidder.objects.filter(session=world.session, signed_in_at__isnull=False).exists()


def test_a_key_that_does_not_open_the_bid_is_refused_and_nothing_changes():
    world = sealed_opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    sign_in(world, world.bidders[0])
    services.decryption_start(session=world.session, user=world.agency)
    with pytest.raises(ValidationError, match="This key does not open your bid"):
        services.key_release(session=world.session, user=world.bidders[0],
                             content_key=base64.b64encode(b"\0" * 32).decode())
    entry = RoomBidder.objects.get(session=world.session, organisation=world.bidders[0].organisation)
    assert entry.decryption == RoomBidder.Decryption.WAITING and entry.key_released_at is None


def test_fewer_than_three_decrypted_fails_the_section(django_capture_on_commit_callbacks):
    world = sealed_opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    for person in world.bidders:
        sign_in(world, person)
    services.decryption_start(session=world.session, user=world.agency)
    with django_capture_on_commit_callbacks(execute=True):
        release(world, world.bidders[0], world.bids[0])
    OpeningSession.objects.filter(pk=world.session.pk).update(decrypt_ends_at=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.window_due(session_id=world.session.pk)
    world.session.refresh_from_db()
    assert world.session.state == State.FAILED
    assert "Only 1 bids could be decrypted" in world.session.failure_reason
    world.project.refresh_from_db()
    assert world.project.status == Status.FAILED


def test_the_host_decrypts_a_bid_the_platform_failed_with_the_shares_the_custodians_handed_in(
        django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied

    from trading.models import Custodian, Project
    from trading.services import custody

    # given an opening that allows the custodians' backup: two bids decrypted, the third failed on the platform's
    # side (its stored file could not be read), not its bidder's
    world = sealed_opening(bidders=3)
    Project.objects.filter(pk=world.project.pk).update(allow_backup_decryption=True)
    decrypting(world, django_capture_on_commit_callbacks, released=2)
    entry = RoomBidder.objects.get(session=world.session, bid=world.bids[2])
    RoomBidder.objects.filter(pk=entry.pk).update(decryption=RoomBidder.Decryption.FAILED, bidder_fault=False,
                                                  error="the stored envelope could not be read")
    Bid.objects.filter(pk=world.bids[2].pk).update(decrypt_bidder_fault=False)

    def backup(user, client_id: str):
        return services.command_apply(session_id=world.session.pk, user=user, client_id=client_id,
                                      action="backup_decrypt", args={"entry": entry.pk})

    # when the host asks before any custodian handed in a share, or a bidder asks: refused, nothing changed
    with pytest.raises(ValidationError, match="2 different custodians' shares are needed"):
        backup(world.agency, "backup-1")
    with pytest.raises(PermissionDenied):
        backup(world.bidders[0], "backup-2")
    assert RoomBidder.objects.get(pk=entry.pk).decryption == RoomBidder.Decryption.FAILED
    # then two custodians hand in their shares (the project page), and the host's button opens the bid: the results
    # are read out at once, the third price among them
    for custodian in Custodian.objects.filter(project=world.project).order_by("position")[1:]:
        opened = sealing.share_decrypt(sealed.private_keys[custodian.user_id],
                                       sealing.EncryptedShare.from_dict(custody.share_unwrap(custodian)))
        custody.custody_share_submit(project=world.project, user=custodian.user, share=opened)
    with django_capture_on_commit_callbacks(execute=True):
        result = backup(world.agency, "backup-3")
    assert result["state"] == State.CONFIRMING
    assert RoomBidder.objects.get(pk=entry.pk).decryption == RoomBidder.Decryption.DECRYPTED
    published = RoomEvent.objects.get(session=world.session, kind="published").payload
    assert [row["summary"]["price"] for row in published["table"]] == ["880000.00", "881000.00", "882000.00"]
