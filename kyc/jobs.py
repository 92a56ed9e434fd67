"""What the services ask the workers to do, published by task name.

The services never import kyc.tasks (which imports them): they publish here, and each
task is looked up in the Celery app's registry by its name. kyc.apps registers the tasks
when Django starts, so a task runs eagerly where Celery is told to (tests), exactly as if
it had been imported. `after_commit` is what a state change uses: the task is published
only once the change it follows is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from celery import current_app
from django.db import transaction

SEND_SUBMISSION = "kyc.tasks.send_submission"
CREATE_CUSTOMER = "kyc.tasks.create_customer"
SEND_BANK_ACCOUNT = "kyc.tasks.send_bank_account"
SEND_USER_EMAIL = "kyc.tasks.send_user_email"
SEND_PASSWORD_RESET = "kyc.tasks.send_password_reset"  # noqa: S105 - a task name
SEND_PHONE_LINK_EMAIL = "kyc.tasks.send_phone_link_email"
SEND_SIGNUP_LINK = "kyc.tasks.send_signup_link"
SEND_SIGNUP_EXISTING = "kyc.tasks.send_signup_existing"
PROCESS_WEBHOOK = "kyc.tasks.process_webhook"
DRAIN_WEBHOOKS = "kyc.tasks.drain_webhooks"
POLL_CUSTOMER = "kyc.tasks.poll_customer"
NAMES = (
    SEND_SUBMISSION,
    CREATE_CUSTOMER,
    SEND_BANK_ACCOUNT,
    SEND_USER_EMAIL,
    SEND_PASSWORD_RESET,
    SEND_PHONE_LINK_EMAIL,
    SEND_SIGNUP_LINK,
    SEND_SIGNUP_EXISTING,
    PROCESS_WEBHOOK,
    DRAIN_WEBHOOKS,
    POLL_CUSTOMER,
)


def publish(
    name: str,
    kwargs: Mapping[str, Any],
    *,
    countdown: float | None = None,
    queue: str | None = None,
) -> None:
    """Publish the task `name` now (raises kombu's OperationalError when the broker is away)."""
    options: dict[str, Any] = {}
    if countdown:
        options["countdown"] = countdown
    if queue:
        options["queue"] = queue
    current_app.tasks[name].apply_async(kwargs=dict(kwargs), **options)


def after_commit(name: str, kwargs: Mapping[str, Any], *, countdown: float | None = None) -> None:
    """Publish the task `name` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, name, kwargs, countdown=countdown))
