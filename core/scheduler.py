"""The embedded scheduler: Celery beat's schedule, run inside the web process.

With no Redis the platform has no beat and no worker, yet a room must still
open at its deadline. This thread reads ``CELERY_BEAT_SCHEDULE`` (the table beat
uses in a real deployment) and runs each task in-process at its interval.
"""

import datetime as dt
import logging
import threading
import time

from celery import current_app
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_started = threading.Event()


def _interval(schedule) -> float:
    if isinstance(schedule, dt.timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    raise TypeError(
        f"the embedded scheduler runs interval schedules only, not {schedule!r}; "
        "use seconds or a timedelta in CELERY_BEAT_SCHEDULE"
    )


class EmbeddedScheduler(threading.Thread):
    def __init__(self, *, schedule: dict, tick: float):
        super().__init__(name="embedded-scheduler", daemon=True)
        self.entries = {name: (entry["task"], _interval(entry["schedule"])) for name, entry in schedule.items()}
        self.tick = tick
        self.stopping = threading.Event()

    def run(self) -> None:
        next_run = {name: 0.0 for name in self.entries}
        while not self.stopping.is_set():
            now = time.monotonic()
            for name, (task_name, interval) in self.entries.items():
                if now >= next_run[name]:
                    next_run[name] = now + interval
                    self.run_task(task_name)
            self.stopping.wait(self.tick)

    def run_task(self, task_name: str) -> None:
        close_old_connections()
        try:
            current_app.tasks[task_name].apply(throw=True)
        except Exception:
            logger.exception("scheduled task %s failed", task_name)
        finally:
            close_old_connections()


def start_embedded_scheduler() -> EmbeddedScheduler | None:
    """Start the scheduler once per process when the settings ask for it."""
    if not settings.EMBEDDED_SCHEDULER or _started.is_set():
        return None
    _started.set()
    current_app.loader.import_default_modules()
    scheduler = EmbeddedScheduler(
        schedule=settings.CELERY_BEAT_SCHEDULE, tick=settings.EMBEDDED_SCHEDULER_TICK
    )
    scheduler.start()
    logger.info("embedded scheduler running %d periodic tasks", len(scheduler.entries))
    return scheduler
