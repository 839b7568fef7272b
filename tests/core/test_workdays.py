"""Working days with holidays and make-up working days (调休), from the shipped 2026 calendar."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import CalendarDay
from core.workdays import (
    add_working_days,
    calendar_load,
    calendar_load_shipped,
    is_working_day,
    roll_to_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture
def year_2026():
    calendar_load_shipped(year=2026)


def test_weekends_and_holidays_rest_make_up_days_work(year_2026):
    assert is_working_day(D("2026-11-23"))          # a Monday
    assert not is_working_day(D("2026-11-22"))      # a Sunday
    assert not is_working_day(D("2026-10-01"))      # National Day, a Thursday
    assert is_working_day(D("2026-10-10"))          # Saturday, make-up working day
    assert is_working_day(D("2026-01-04"))          # Sunday, make-up working day


def test_counting_starts_the_next_day(year_2026):
    assert add_working_days(D("2026-11-20"), 1) == D("2026-11-23")  # Friday + 1 → Monday
    assert add_working_days(D("2026-11-23"), 3) == D("2026-11-26")


def test_a_holiday_week_is_skipped_and_a_make_up_saturday_counts(year_2026):
    # Wed 30 Sep; 1-7 Oct off; Thu 8, Fri 9, Sat 10 (make-up) are working days.
    assert add_working_days(D("2026-09-30"), 1) == D("2026-10-08")
    assert add_working_days(D("2026-09-30"), 3) == D("2026-10-10")
    assert add_working_days(D("2026-09-30"), 4) == D("2026-10-12")


def test_spring_festival(year_2026):
    # 14 Feb (Sat) is a make-up working day; 15-23 Feb off.
    assert add_working_days(D("2026-02-13"), 1) == D("2026-02-14")
    assert add_working_days(D("2026-02-14"), 1) == D("2026-02-24")


def test_deadline_on_a_rest_day_rolls_to_the_next_working_day(year_2026):
    assert roll_to_working_day(D("2026-10-03")) == D("2026-10-08")
    assert roll_to_working_day(D("2026-11-23")) == D("2026-11-23")
    assert roll_to_working_day(D("2026-11-21")) == D("2026-11-23")


def test_thirty_working_days_across_national_day(year_2026):
    # A complaint decision period (30 working days) started on 15 Sep 2026.
    end = add_working_days(D("2026-09-15"), 30)
    assert working_days_between(D("2026-09-15"), end) == 30
    assert end == D("2026-11-02")


def test_a_year_not_loaded_counts_weekends_only():
    assert add_working_days(D("2031-01-31"), 1) == D("2031-02-03")


def test_loading_a_year_replaces_it(year_2026):
    calendar_load(data={"year": 2026, "source": "test", "holidays": [["2026-11-23", "测试"]], "workdays": []})
    assert not is_working_day(D("2026-11-23"))
    assert is_working_day(D("2026-10-01"))
    assert CalendarDay.objects.filter(date__year=2026).count() == 1


def test_a_bad_calendar_file_is_refused_and_nothing_changes(year_2026, tmp_path):
    before = list(CalendarDay.objects.values_list("date", "kind"))
    path = tmp_path / "2026.json"
    path.write_text(json.dumps({"year": 2026, "holidays": [["2027-01-01", "元旦"]], "workdays": []}))
    with pytest.raises(CommandError, match="2027-01-01 is not in 2026"):
        call_command("load_calendar", file=path)
    path.write_text(json.dumps({"year": 2026, "holidays": [["2026-10-01", "a"], ["2026-10-01", "b"]]}))
    with pytest.raises(CommandError, match="lists a date twice"):
        call_command("load_calendar", file=path)
    assert list(CalendarDay.objects.values_list("date", "kind")) == before


def test_a_year_that_is_not_shipped_says_how_to_load_it():
    with pytest.raises(CommandError, match="pass --file"):
        call_command("load_calendar", year=2040)
