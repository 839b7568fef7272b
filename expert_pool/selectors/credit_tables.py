"""READS CREDIT'S TABLE DIRECTLY: the one place the expert pool does.

Screening 100,000 experts one ``credit.selectors.person_refusal`` call at a time
would be 100,000 queries, so the draw filters black-listed people in SQL with
this subquery over ``credit.BlacklistEntry``. ``person_refusal`` stays the
authority: every drawn member and every reserve called in is checked with it
before being notified (expert_pool.services.draws). If credit's model changes,
change this function and keep it equivalent to ``person_refusal``.
"""

import datetime as dt

from credit.models import BlacklistEntry
from credit.selectors import in_force_q


def blacklisted_people(*, on: dt.date):
    """Black-list entries of people in force on ``on`` (filter by ``person_id``), by credit's own rule."""
    return BlacklistEntry.objects.filter(in_force_q(on), person__isnull=False)
