"""The embedded scheduler runs beat's schedule in-process: timed work needs no worker."""

import threading

import pytest
from celery import shared_task

from core.scheduler import EmbeddedScheduler

ran = threading.Event()
calls: list[int] = []


@shared_task(name="tests.core.record_tick")
def record_tick():
    calls.append(1)
    ran.set()


@shared_task(name="tests.core.failing_tick")
def failing_tick():
    raise RuntimeError("a failing task must not stop the others")


def test_runs_each_entry_and_survives_a_failing_task():
    scheduler = EmbeddedScheduler(
        schedule={
            "fails": {"task": "tests.core.failing_tick", "schedule": 0.05},
            "tick": {"task": "tests.core.record_tick", "schedule": 0.05},
        },
        tick=0.02,
    )
    scheduler.start()
    try:
        assert ran.wait(timeout=30), "the scheduled task never ran"
        ran.clear()
        assert ran.wait(timeout=30), "the scheduled task ran only once"
    finally:
        scheduler.stopping.set()
        scheduler.join(timeout=10)
    assert len(calls) >= 2


def test_crontab_schedules_are_refused_with_a_clear_message():
    from celery.schedules import crontab

    with pytest.raises(TypeError, match="interval schedules only"):
        EmbeddedScheduler(schedule={"x": {"task": "t", "schedule": crontab()}}, tick=1)
