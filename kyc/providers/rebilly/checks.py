"""System checks for Rebilly's own settings: `manage.py check --deploy`, and the sample
credentials no process with DJANGO_DEBUG off starts with."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from onboarding.env import is_local_url
from onboarding.samples import still_sample

LIVE_HOST = "api.rebilly.com"  # its sandbox is api-sandbox.rebilly.com [SPEC servers]
# The README's: the password is what every webhook must carry.
SAMPLES = {
    "REBILLY_API_KEY": "sk_sandbox_local",
    "REBILLY_WEBHOOK_PASSWORD": "sandbox-webhook-password",
}


def startup_checks() -> list[CheckMessage]:
    return still_sample(SAMPLES, id="kyc.rebilly.E005")


def deploy_checks() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if is_local_url(settings.REBILLY_BASE_URL):
        messages.append(
            Warning("REBILLY_BASE_URL points at the local emulator.", id="kyc.rebilly.W001")
        )
    live = urlsplit(settings.REBILLY_BASE_URL).hostname == LIVE_HOST
    if settings.REBILLY_SANDBOX and live:
        messages.append(
            Error(
                "REBILLY_SANDBOX is on while REBILLY_BASE_URL is the live API.",
                id="kyc.rebilly.E001",
            )
        )
    # Keys say their environment: sk_sandbox_... or sk_live_... [KEYS].
    if live and not settings.REBILLY_API_KEY.startswith("sk_live_"):
        messages.append(
            Error("REBILLY_API_KEY is not a live secret key (sk_live_...).", id="kyc.rebilly.E002")
        )
    if settings.REBILLY_SANDBOX and settings.REBILLY_API_KEY.startswith("sk_live_"):
        messages.append(Error("REBILLY_SANDBOX is on with a live API key.", id="kyc.rebilly.E004"))
    if len(settings.REBILLY_WEBHOOK_PASSWORD) < 16:  # the sample one: startup_checks
        messages.append(
            Error(
                "REBILLY_WEBHOOK_PASSWORD is shorter than 16 characters.",
                id="kyc.rebilly.E003",
            )
        )
    return messages
