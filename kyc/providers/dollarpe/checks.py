"""System checks for DollarPe's own settings: `manage.py check --deploy`, and the sample
credentials no process with DJANGO_DEBUG off starts with."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from onboarding.env import is_local_url
from onboarding.samples import still_sample

# The README's (and the emulator's default organisation's): the secret also signs webhooks.
SAMPLES = {"DOLLARPE_API_KEY": "sandbox-key", "DOLLARPE_API_SECRET": "sandbox-secret"}


def startup_checks() -> list[CheckMessage]:
    return still_sample(SAMPLES, id="kyc.dollarpe.E002")


def deploy_checks() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if is_local_url(settings.DOLLARPE_BASE_URL):
        messages.append(
            Warning("DOLLARPE_BASE_URL points at the local emulator.", id="kyc.dollarpe.W001")
        )
    if settings.DOLLARPE_SANDBOX and "production" in settings.DOLLARPE_BASE_URL:
        messages.append(
            Error(
                "DOLLARPE_SANDBOX is on while DOLLARPE_BASE_URL is the production API.",
                id="kyc.dollarpe.E001",
            )
        )
    return messages
