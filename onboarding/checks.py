"""System checks for our own settings: `manage.py check --deploy`, and what no process
started with DJANGO_DEBUG off accepts (`unsafe_defaults`, also run at start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from kyc.providers import registry
from kyc.services.routing import problems
from onboarding import samples
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


@register(Tags.security)
def check_unsafe_defaults(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    """With DJANGO_DEBUG off: the README's sample credentials (S3's, each enabled provider's,
    the blind index key) and an email backend that keeps emails on this machine are errors."""
    if settings.DEBUG:
        return []
    messages = samples.still_sample(samples.S3, id="onboarding.E004") + samples.local_email()
    messages += samples.blind_index_keys()
    for name in registry.enabled():
        messages += registry.get_provider(name).startup_checks()
    return messages


def refuse_unsafe_defaults() -> None:
    """Stop every process at start-up when check_unsafe_defaults finds anything: gunicorn and
    the Celery workers run no system checks, and some management commands none or a few."""
    found = check_unsafe_defaults(None)
    if found:
        lines = "".join(f"\n  {message.id}: {message.msg}" for message in found)
        raise ImproperlyConfigured(
            "Refusing to start with DJANGO_DEBUG off and development defaults:" + lines
        )
