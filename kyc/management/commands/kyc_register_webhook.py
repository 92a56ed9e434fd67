"""Register our webhook URL with the enabled providers (run at deploy time; `make run` too)."""

from __future__ import annotations

import time
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kyc.providers import registry
from kyc.providers.errors import ProviderError, TransientProviderError
from kyc.providers.interface import Provider
from kyc.webhooks.views import webhook_path


class Command(BaseCommand):
    help = "Register PUBLIC_BASE_URL + /webhooks/<provider>/ with each enabled provider."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--provider",
            action="append",
            metavar="NAME",
            help="only this enabled provider (repeat for several); default: every enabled one",
        )
        parser.add_argument("--url", help="register this URL instead of the one from settings")
        parser.add_argument(
            "--when-up",
            action="store_true",
            help=(
                "first wait (up to --wait) until our own /healthz answers: a provider that "
                "pings the URL when it is registered (Qolo) finds it up"
            ),
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="keep retrying while a provider is unreachable, up to this long",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["provider"] or list(registry.enabled())
        unknown = [name for name in names if not registry.is_enabled(name)]
        if unknown:
            raise CommandError(f"Not an enabled provider: {', '.join(unknown)}.")
        deadline = time.monotonic() + options["wait"]
        if options["when_up"]:
            _wait_until_up(settings.PUBLIC_BASE_URL + "/healthz", deadline)
        for name in names:
            provider = registry.get_provider(name)
            url = options["url"] or settings.PUBLIC_BASE_URL + webhook_path(name)
            registered = _register(provider, url, deadline)
            self.stdout.write(
                self.style.SUCCESS(f"Webhook URL registered with {provider.label}: {registered}")
            )


def _register(provider: Provider, url: str, deadline: float) -> str:
    while True:
        try:
            return provider.register_webhook(url)
        except TransientProviderError as exc:
            if time.monotonic() >= deadline:
                raise CommandError(f"{provider.label} is unreachable: {exc}") from None
            time.sleep(0.5)
        except ProviderError as exc:
            raise CommandError(f"{provider.label} refused the webhook URL: {exc}") from None


def _wait_until_up(url: str, deadline: float) -> None:
    while True:
        try:
            requests.get(url, timeout=2)
            return  # any answer: the server is up
        except requests.RequestException:
            if time.monotonic() >= deadline:
                raise CommandError(f"{url} did not answer: is the web process up?") from None
            time.sleep(0.5)
