"""Emails to the user, sent by a task after the transaction that caused them commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.urls import reverse

from kyc import jobs
from kyc.models import Verification
from kyc.providers.registry import get_provider
from kyc.services.corrections import fixable, may_hand_off


def email_after_commit(*, verification_id: int, template: str, **context: str) -> None:
    jobs.after_commit(
        jobs.SEND_USER_EMAIL, {"verification_id": verification_id, "template": template, **context}
    )


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
        "words": provider.words,
        "banking": provider.capabilities.banking,
        "fixable": fixable(verification),
        # Back to the provider's pages: to start again, or to send a refused document anew.
        "hand_off": may_hand_off(verification),
        "refused": [
            d.user_text
            for d in verification.provider_documents.filter(
                status="rejected", case_id=verification.provider_case_id
            ).order_by("-pk")[:3]
            if d.user_text
        ],
    }
