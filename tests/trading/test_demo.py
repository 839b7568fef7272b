import datetime as dt
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

import sealing
from bidding_room.demo import TITLE as ROOM_TITLE
from stats.demo import DEMO_MARK
from trading.demo import AWARDED_TITLE, FAILED_TITLE, OPEN_TITLE, demo_key_passphrase
from trading.models import Award, Project
from trading.selectors import award_figures
from trading.storage import protected_path


def test_the_demo_seeds_projects_in_several_states_and_is_idempotent(db, settings):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    # Trading's own demo projects (other apps' demos add theirs: the opening room, supervision, ...).
    hand_made = Project.objects.filter(title__in=[OPEN_TITLE, FAILED_TITLE, AWARDED_TITLE])
    assert dict(hand_made.values_list("title", "status")) == {
        OPEN_TITLE: "published", FAILED_TITLE: "failed", AWARDED_TITLE: "contract_signed"}
    assert Project.objects.filter(title=ROOM_TITLE).get().status == "published"
    figures = award_figures(award=Award.objects.get(section__project__in=hand_made))
    assert str(figures.savings) == "350000.00" and str(figures.savings_rate) == "0.1000"
    # Two years of bulk demo awards for the statistics charts, seeded once.
    assert Award.objects.filter(section__project__title__startswith=DEMO_MARK).count() > 200

    # The demo opening (bidding_room.demo): its room opens minutes after the seed; the demo keys open its bids.
    section = Project.objects.get(title=ROOM_TITLE).sections.get()
    assert section.opening.state == "scheduled"
    assert timezone.now() < section.opening.opens_at < timezone.now() + dt.timedelta(minutes=6)
    bids = {bid.submitted_by.username: bid for bid in section.bids.select_related("submitted_by")}
    assert sorted(bids) == ["bidder1", "bidder2", "bidder4"]
    for username, bid in bids.items():
        key = sealing.private_key_load((Path(settings.VAR_DIR) / "demo-keys" / f"{username}.pem").read_bytes(),
                                       demo_key_passphrase(username))
        assert len(sealing.content_key_unwrap(protected_path(bid.storage_path), key=key)) == 32

    # The tender notice states the deadline the records hold (moved after the bids were sealed, not waited for).
    project = Project.objects.get(title=ROOM_TITLE)
    notice = project.announcements.get(kind="tender")
    assert timezone.localtime(project.bid_deadline).strftime("%Y-%m-%d %H:%M") in notice.body
    assert all(bid.submitted_at < project.bid_deadline for bid in bids.values())


def test_a_demo_opening_whose_time_passed_unserved_is_moved_again(db):
    call_command("seed_demo", stdout=StringIO())
    # given the demo room's time passed while no server ran (nothing opened it)
    section = Project.objects.get(title=ROOM_TITLE).sections.get()
    past = timezone.now() - dt.timedelta(hours=3)
    Project.objects.filter(pk=section.project_id).update(bid_deadline=past)
    type(section.opening).objects.filter(pk=section.opening.pk).update(opens_at=past)
    # when `make run` seeds again
    call_command("seed_demo", stdout=StringIO())
    # then the room opens minutes from now again, at the project's deadline
    section.refresh_from_db()
    section.opening.refresh_from_db()
    assert timezone.now() < section.opening.opens_at < timezone.now() + dt.timedelta(minutes=6)
    assert section.opening.opens_at == section.project.bid_deadline
