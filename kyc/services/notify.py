"""Emails to the user, sent by a task after the transaction that caused them commits."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse


def email_after_commit(*, verification_id: int, template: str, **context: str) -> None:
    from kyc.tasks import send_user_email

    transaction.on_commit(
        lambda: send_user_email.delay(verification_id=verification_id, template=template, **context)
    )


def absolute(view_name: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(view_name)
