from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from expert_pool.models import Seat


def _answerable():
    return Seat.objects.filter(expert__user__username="expert01", state=Seat.State.NOTIFIED,
                               respond_by__gt=timezone.now())


def test_the_demo_asks_expert01_to_confirm_a_seat_once_and_again_after_it_lapsed(db):
    # given the demo seeded twice (as `make run` does on every start)
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    # then expert01 has one seat to confirm, in a committee of five drawn for the demo agency
    seat = _answerable().select_related("request").get()
    assert seat.request.agency.name == "阳光招标咨询有限公司" and seat.request.expert_count == 5
    assert Seat.objects.filter(request=seat.request, role=Seat.Role.MEMBER, state=Seat.State.NOTIFIED).count() == 5
    # when the seat lapsed unanswered and the demo is seeded again, a new committee asks expert01 again
    Seat.objects.filter(request=seat.request).update(state=Seat.State.EXPIRED)
    call_command("seed_demo", stdout=StringIO())
    assert _answerable().exclude(request=seat.request).count() == 1
