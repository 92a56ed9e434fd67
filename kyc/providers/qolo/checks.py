"""System checks for Qolo's own settings: `manage.py check --deploy`, and the sample
credentials no process with DJANGO_DEBUG off starts with."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from onboarding.env import is_local_url
from onboarding.samples import still_sample

DEV_HOSTS = ("devapi.qolopay.com", "devapi2.qolopay.com")  # its sandbox [GS][SPEC]
# The README's: the webhook secret signs every webhook.
SAMPLES = {
    "QOLO_LOGIN_ID": "sandbox-login",
    "QOLO_API_KEY": "sandbox-api-key",
    "QOLO_WEBHOOK_SECRET": "sandbox-webhook-secret",
}


def startup_checks() -> list[CheckMessage]:
    return still_sample(SAMPLES, id="kyc.qolo.E003")


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
    if len(settings.QOLO_WEBHOOK_SECRET) < 16:  # the sample one: startup_checks
        messages.append(
            Error(
                "QOLO_WEBHOOK_SECRET is shorter than 16 characters.",
                id="kyc.qolo.E002",
            )
        )
    return messages
