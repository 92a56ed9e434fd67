"""Deployment checks (`manage.py check --deploy`) for our own settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from kyc.providers import registry
from kyc.services.routing import problems
from onboarding.env import is_local_url


@register(Tags.security, deploy=True)
def check_production_services(
    app_configs: Sequence[Any] | None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if urlsplit(settings.PUBLIC_BASE_URL).scheme != "https":
        messages.append(Error("PUBLIC_BASE_URL must be https in production.", id="onboarding.E001"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        messages.append(Warning("DATABASE_URL is not set: using SQLite.", id="onboarding.W001"))
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        messages.append(
            Warning(
                "CELERY_BROKER_URL is not set: using the filesystem broker.", id="onboarding.W002"
            )
        )
    if settings.CACHE_URL.startswith("file") and not settings.CELERY_BROKER_URL.startswith(
        "filesystem"
    ):
        messages.append(
            Warning(
                "CACHE_URL is a folder on this machine while the broker is shared: web and "
                "worker processes on other machines would not see the webhook wake-up flag.",
                id="onboarding.W006",
            )
        )
    if is_local_url(settings.AWS_S3_ENDPOINT_URL):
        messages.append(
            Warning("AWS_S3_ENDPOINT_URL points at the local S3 emulator.", id="onboarding.W003")
        )
    for name in registry.enabled():  # each provider checks its own settings
        messages += registry.get_provider(name).deploy_checks()
    if settings.FIELD_ENCRYPTION_KEYS_DERIVED:
        messages.append(
            Warning(
                "FIELD_ENCRYPTION_KEYS is not set: identity data is encrypted with a key "
                "derived from SECRET_KEY.",
                id="onboarding.W005",
            )
        )
    return messages


@register(Tags.compatibility)
def check_routing(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    """KYC_PROVIDERS, KYC_DEFAULT_PROVIDER and KYC_ROUTING name providers that exist and are
    enabled, in rules that can be read: otherwise nothing starts."""
    return [Error(problem, id="onboarding.E003") for problem in problems()]
