"""Emails to the user, sent by a task after the transaction that caused them commits."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from kyc import jobs


def email_after_commit(*, verification_id: int, template: str, **context: str) -> None:
    jobs.after_commit(
        jobs.SEND_USER_EMAIL, {"verification_id": verification_id, "template": template, **context}
    )


def absolute(view_name: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(view_name)
