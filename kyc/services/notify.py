"""Emails to the user, sent by a task after the transaction that caused them commits."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import current_app, current_task
from django.conf import settings
from django.db import transaction
from django.template import Context, Engine
from django.urls import reverse
from django.utils import translation

from kyc import jobs
from kyc.models import FixKind, Verification
from kyc.providers.registry import get_provider
from kyc.services.corrections import fix_kind, fixable, may_hand_off
from kyc.services.wording import TEAM_REASONS, failed_part, support_details, word_documents

logger = logging.getLogger(__name__)


def email_after_commit(*, verification_id: int, template: str, **context: str) -> None:
    """`context` holds plain values, never words: the worker writes the words later, in the
    user's language (a FixKind goes as its value, `fix`).

    Already in a worker's task (a sent submission, a webhook applied), the email is written
    and sent there, once the change commits: not a second task per submission. If sending
    fails it goes to its own task, which retries."""
    kwargs = {"verification_id": verification_id, "template": template, **context}
    if not current_task or getattr(current_task.request, "is_eager", False):
        jobs.after_commit(jobs.SEND_USER_EMAIL, kwargs)
    else:
        transaction.on_commit(partial(_send_here, kwargs))


def _send_here(kwargs: dict[str, Any]) -> None:
    try:
        current_app.tasks[jobs.SEND_USER_EMAIL].run(**kwargs)
    except Exception as exc:
        logger.warning(
            "email %s not sent at once (%s): handed to its own task",
            kwargs["template"],
            type(exc).__name__,
        )
        jobs.publish(jobs.SEND_USER_EMAIL, kwargs)


def render_text(template_name: str, context: dict[str, Any]) -> str:
    """A plain-text email template: HTML escaping off, or "O'Brien" would read O&#x27;Brien."""
    template = Engine.get_default().get_template(template_name)
    return template.render(Context(context, autoescape=False))


def absolute(view_name: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(view_name)


def email_context(verification: Verification) -> dict[str, Any]:
    """What an email says that depends on the provider: its words, what the user can do."""
    provider = get_provider(verification.provider)
    return {
        **support_details(verification),
        "failed_part": failed_part(fix_kind(verification), provider.words),
        "team_reason": TEAM_REASONS.get(verification.failure_reason, ""),
        "words": provider.words,
        "banking": provider.capabilities.banking,
        "fixable": fixable(verification),
        # Back to the provider's pages: to start again, or to send a refused document anew.
        "hand_off": may_hand_off(verification),
        "refused": refused_documents(verification),
    }


def refused_documents(verification: Verification) -> list[str]:
    """Why the newest refused documents were refused, in the email's language."""
    documents = list(
        verification.provider_documents.filter(
            status="rejected", case_id=verification.provider_case_id
        ).order_by("-pk")[:3]
    )
    word_documents(verification, documents)
    return [d.shown_refusal for d in documents if d.shown_refusal]


def email_language(verification: Verification) -> str:
    """The language the user chose (or read the pages in when the verification began)."""
    chosen = verification.language
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def user_language(user: Any) -> str | None:
    """The account's language when its verification has one (password reset emails)."""
    verification = Verification.objects.filter(user=user).only("language").first()
    if verification is None or verification.language not in dict(settings.LANGUAGES):
        return None
    return verification.language


def render_email(
    verification: Verification, template: str, extra: dict[str, Any], links: dict[str, str]
) -> tuple[str, str]:
    """Subject and body, written in the user's language whatever the worker's is."""
    with translation.override(email_language(verification)):
        context = {"verification": verification, **email_context(verification), **extra}
        if "fix" in extra:
            context["fix"] = _fix_words(extra["fix"])
        context |= links
        subject = render_text(f"emails/{template}_subject.txt", context).strip()
        body = render_text(f"emails/{template}.txt", context)
    return subject, body


def _fix_words(value: str) -> str:
    try:
        return str(FixKind(value).label)
    except ValueError:  # queued by an older release, which sent the words themselves
        return value
