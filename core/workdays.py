"""Working days: weekends, public holidays and make-up working days (调休).

Legal periods count working days from the day after the starting event, and a
deadline that falls on a rest day rolls to the next working day (《政府采购质疑和投诉办法》
and practice). Holidays are data (core.CalendarDay), loaded per year with
``manage.py load_calendar``; a year with no data loaded counts weekends only.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .models import CalendarDay, CalendarYear

CALENDAR_DIR = Path(__file__).resolve().parent / "calendars"


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind")
    return dict(rows)


def is_working_day(day: dt.date) -> bool:
    """Return whether ``day`` is a working day."""
    kind = _exceptions(day, day).get(day)
    if kind is not None:
        return kind == CalendarDay.Kind.WORKDAY
    return day.weekday() < 5


def _walk(start: dt.date, *, horizon: int = 400):
    """Yield (day, is_working) from ``start`` onwards, reading the calendar in one query."""
    exceptions = _exceptions(start, start + dt.timedelta(days=horizon))
    day = start
    while True:
        kind = exceptions.get(day)
        working = kind == CalendarDay.Kind.WORKDAY if kind is not None else day.weekday() < 5
        yield day, working
        day += dt.timedelta(days=1)
        if (day - start).days > horizon:
            start, exceptions = day, _exceptions(day, day + dt.timedelta(days=horizon))


def roll_to_working_day(day: dt.date) -> dt.date:
    """Return ``day`` if it is a working day, else the next working day."""
    for candidate, working in _walk(day):
        if working:
            return candidate
    raise AssertionError("unreachable")


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Return the ``days``-th working day after ``start`` (counting begins the next day).

    ``add_working_days(friday, 1)`` is the next Monday, or the first working day
    after a holiday that covers it.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    counted = 0
    for candidate, working in _walk(start + dt.timedelta(days=1)):
        if working:
            counted += 1
            if counted == days:
                return candidate
    raise AssertionError("unreachable")


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Count working days after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    count = 0
    for candidate, working in _walk(start + dt.timedelta(days=1)):
        if candidate > end:
            return count
        count += working
    raise AssertionError("unreachable")


def end_of_day(day: dt.date) -> dt.datetime:
    """Return 23:59:59.999999 of ``day`` in the platform's time zone, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def today() -> dt.date:
    """Return today's date in the platform's time zone, from the server clock."""
    return timezone.localdate()


@transaction.atomic
def calendar_load(*, data: dict) -> CalendarYear:
    """Replace one year's holidays and make-up working days with ``data``.

    ``data`` has ``year``, ``source``, ``holidays`` and ``workdays``; the last two
    are lists of ``[ISO date, name]``. Every date must fall in ``year``.
    """
    year = int(data["year"])
    rows = []
    for key, kind in (("holidays", CalendarDay.Kind.HOLIDAY), ("workdays", CalendarDay.Kind.WORKDAY)):
        for iso, name in data.get(key, []):
            day = dt.date.fromisoformat(iso)
            if day.year != year:
                raise ValueError(f"{iso} is not in {year}")
            rows.append(CalendarDay(date=day, kind=kind, name=name))
    dates = [r.date for r in rows]
    if len(dates) != len(set(dates)):
        raise ValueError(f"the calendar for {year} lists a date twice")
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(rows)
    calendar_year, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": data.get("source", "")}
    )
    return calendar_year


def shipped_calendar_years() -> list[int]:
    return sorted(int(p.stem) for p in CALENDAR_DIR.glob("*.json"))


def calendar_load_shipped(*, year: int) -> CalendarYear:
    data = json.loads((CALENDAR_DIR / f"{year}.json").read_text(encoding="utf-8"))
    return calendar_load(data=data)
