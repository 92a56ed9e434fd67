"""`manage.py check --deploy` for Qolo's own settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from onboarding.env import is_local_url

DEV_HOSTS = ("devapi.qolopay.com", "devapi2.qolopay.com")  # its sandbox [GS][SPEC]
DEFAULT_SECRET = "sandbox-webhook-secret"  # noqa: S105 - refused in production


def deploy_checks() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    url = settings.QOLO_BASE_URL
    if is_local_url(url):
        messages.append(Warning("QOLO_BASE_URL points at the local emulator.", id="kyc.qolo.W001"))
    dev = any(host in url for host in DEV_HOSTS) or is_local_url(url)
    if settings.QOLO_SANDBOX and not dev:
        messages.append(
            Error(
                "QOLO_SANDBOX is on while QOLO_BASE_URL is not Qolo's dev host.",
                id="kyc.qolo.E001",
            )
        )
    if settings.QOLO_WEBHOOK_SECRET == DEFAULT_SECRET or len(settings.QOLO_WEBHOOK_SECRET) < 16:
        messages.append(
            Error(
                "QOLO_WEBHOOK_SECRET is the sandbox default or shorter than 16 characters.",
                id="kyc.qolo.E002",
            )
        )
    return messages
