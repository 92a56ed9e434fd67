"""`manage.py check --deploy` for DollarPe's own settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def deploy_checks() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if (urlsplit(settings.DOLLARPE_BASE_URL).hostname or "") in LOCAL_HOSTS:
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
