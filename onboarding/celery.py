"""The Celery application: configuration comes from Django settings (CELERY_*)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onboarding.settings")

app = Celery("onboarding")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _connections_as_after_a_request(task: Any = None, **_: Any) -> None:
    """Between tasks, the connections Django would close after a request: past CONN_MAX_AGE,
    unusable after an error, or not back in autocommit; the others are kept (and checked
    before their next use: CONN_HEALTH_CHECKS). Not for a task run eagerly, inside its
    caller's transaction. The fixup's own close is rare (CELERY_DB_REUSE_MAX)."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
