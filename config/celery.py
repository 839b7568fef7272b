"""The Celery application. Tasks take ids, load rows and call a service."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sunshine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_demo_in_production(**kwargs):
    """A production worker with demo organisations or demo keys does not start (core.demo_guard)."""
    from core.demo_guard import refuse_demo_in_production

    refuse_demo_in_production()
