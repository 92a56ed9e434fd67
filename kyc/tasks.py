"""Celery tasks: thin wrappers that take ids and call a service.

Every task is safe to run twice (the services compare-and-set) and is acknowledged
late, so a worker killed mid-task hands it back to the broker.
"""

from __future__ import annotations

import json
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kyc.fields import decrypt
from kyc.models import PhoneLink, Verification
from kyc.providers.errors import TransientProviderError
from kyc.services import banks, customers, figures, polling, submissions, sweeper
from kyc.services.approvals import approvals_expire
from kyc.services.document_orphans import document_delete_orphans
from kyc.services.notify import (
    absolute,
    email_language,
    render_email,
    render_text,
    user_language,
)
from kyc.services.phone_links import minutes_left, phone_link_live
from kyc.webhooks import processing, retention

# Provider calls: retry only what is transient, with exponential backoff (KYC_RETRY_BACKOFF s,
# 2 by default, doubling; 10 min cap, jittered). Past the last retry the sweeper picks the work
# up again.
provider_task = shared_task(
    autoretry_for=(TransientProviderError,),
    retry_backoff=settings.KYC_RETRY_BACKOFF,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=12,
)


@provider_task
def create_customer(*, verification_id: int) -> bool:
    return customers.verification_create_customer(
        verification_id=verification_id, attempt=2
    ).created


@provider_task
def send_submission(*, submission_id: int) -> str:
    return submissions.submission_send(submission_id=submission_id)


@provider_task
def send_bank_account(*, bank_id: int) -> str:
    try:
        return banks.bank_account_send(bank_id=bank_id, attempt=2)
    except banks.BankRefused:
        return "rejected"  # kept on the account and in the audit trail; nothing to retry


@shared_task(autoretry_for=(OSError,), retry_backoff=5, max_retries=8)
def send_user_email(*, verification_id: int, template: str, **extra: Any) -> None:
    verification = Verification.objects.select_related("user").get(pk=verification_id)
    subject, body = render_email(verification, template, extra, _links())
    send_mail(
        subject, body, settings.DEFAULT_FROM_EMAIL, [verification.user.email or verification.email]
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=5, max_retries=8)
def send_password_reset(*, user_id: int, language: str = "") -> None:
    """The password-reset email, sent by a worker like every other email (README: emails
    appear in the worker's output), with a link to PUBLIC_BASE_URL."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "base_url": settings.PUBLIC_BASE_URL,
    }
    language = language if language in dict(settings.LANGUAGES) else user_language(user) or ""
    _account_email(user.email, "registration/password_reset", context, language)


def _account_email(address: str, template: str, context: dict[str, Any], language: str) -> None:
    """An email about an account (not an onboarding): `template`_subject.txt and
    `template`_email.txt, in `language` (else the default one)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_text(f"{template}_subject.txt", context)
        body = render_text(f"{template}_email.txt", context)
    send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [address])


@shared_task(autoretry_for=(OSError,), retry_backoff=5, max_retries=8)
def send_signup_link(*, sealed: str, language: str = "") -> None:
    """The "confirm your email" link of a sign-up for an address without an account
    (`sealed`: the address and the link's token, encrypted by onboarding.signup)."""
    opened = json.loads(decrypt(sealed))
    context: dict[str, Any] = {"token": opened["token"], "hours": settings.SIGNUP_LINK_HOURS}
    context["base_url"] = settings.PUBLIC_BASE_URL
    _account_email(str(opened["email"]), "registration/signup_link", context, _known(language))


@shared_task(autoretry_for=(OSError,), retry_backoff=5, max_retries=8)
def send_signup_existing(*, user_id: int, language: str = "") -> None:
    """To the owner of an account someone tried to sign up again with: how to log in or
    choose a new password (the sign-up page said only "check your email")."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    context = {"base_url": settings.PUBLIC_BASE_URL}
    language = _known(language) or user_language(user) or ""
    _account_email(user.email, "registration/signup_existing", context, language)


def _known(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else ""


@shared_task(autoretry_for=(OSError,), retry_backoff=5, max_retries=8)
def send_phone_link_email(*, link_id: int, sealed_url: str) -> bool:
    """The "continue on your phone" link, to the user's own address; nothing once it is dead
    (used, expired or replaced) by the time the worker gets to it."""
    link = PhoneLink.objects.select_related("verification__user").filter(pk=link_id).first()
    if link is None or not phone_link_live(link):
        return False
    verification = link.verification
    context = {
        "verification": verification,
        "phone_url": decrypt(sealed_url),
        "minutes": minutes_left(link),
    }
    with translation.override(email_language(verification)):
        subject = render_text("emails/phone_link_subject.txt", context).strip()
        body = render_text("emails/phone_link.txt", context)
    send_mail(
        subject, body, settings.DEFAULT_FROM_EMAIL, [verification.user.email or verification.email]
    )
    return True


def _links() -> dict[str, str]:
    links = {}
    for name, view in (("status_url", "onboarding:status"), ("fix_url", "onboarding:fix")):
        try:
            links[name] = absolute(view)
        except NoReverseMatch:  # the journey's pages are not routed (e.g. an API-only deployment)
            links[name] = settings.PUBLIC_BASE_URL
    return links


# --- Webhooks, polling and sweeper ------------------------------------------------------------
# Processing a webhook is worth retrying after a database hiccup, or when a delivery that only
# says "something changed" could not get the current status from its provider. Any other
# error is kept on the event (state failed) for a redelivery or staff to process it again.
webhook_task = shared_task(
    autoretry_for=(OperationalError, InterfaceError, TransientProviderError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)


@webhook_task
def process_webhook(*, event_id: int) -> str:
    return processing.webhook_process(event_id=event_id)


# The intake's wake-up: every queued delivery, in one task per burst (webhooks_wake).
@webhook_task
def drain_webhooks(*, flag: str | None = None) -> int:
    return processing.webhooks_drain(flag=flag)


@shared_task
def webhooks_heartbeat() -> bool:
    return processing.webhooks_heartbeat()


@shared_task
def prune_webhooks() -> int:
    return retention.webhooks_prune()


@shared_task
def poll_processing() -> int:
    return len(polling.processing_poll().checks)


# No retry: the next polling round is the retry, so a customer is never asked too often.
@shared_task
def poll_customer(*, verification_id: int) -> str:
    return polling.verification_poll(verification_id=verification_id)


@shared_task
def sweep_submissions() -> int:
    return sweeper.sweep_run().total()


@shared_task
def expire_approvals() -> int:
    return approvals_expire()


@shared_task
def refresh_dashboard() -> int:
    return len(figures.snapshot_refresh_all())


@shared_task
def delete_orphan_uploads() -> int:
    return document_delete_orphans()
