"""`manage.py check --deploy` for DollarPe's own settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from onboarding.env import is_local_url


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
