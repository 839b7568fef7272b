"""Figures the platform operator watches (the admin's desk): disk space and the task queue."""

import shutil
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Disk:
    free_bytes: int
    total_bytes: int

    @property
    def free_share(self) -> float:
        return self.free_bytes / self.total_bytes if self.total_bytes else 0.0


def disk_usage() -> Disk:
    """Free space where uploads, sealed bids and the SQLite file live (VAR_DIR)."""
    usage = shutil.disk_usage(settings.VAR_DIR)
    return Disk(usage.free, usage.total)


def queue_length() -> int | None:
    """Tasks waiting in the Celery queue (Redis); None when tasks run in-process (the embedded default)."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.REDIS_URL:
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    try:
        return int(client.llen("celery"))
    except redis.RedisError:
        return -1
    finally:
        client.close()
