"""Register our webhook URL with DollarPe (run at deploy time; `make run` runs it too)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kyc.providers.dollarpe.client import DollarPeClient
from kyc.providers.dollarpe.webhooks import WEBHOOK_PATH
from kyc.providers.errors import ProviderError, TransientProviderError


class Command(BaseCommand):
    help = "Register PUBLIC_BASE_URL + /webhooks/dollarpe/ as the DollarPe webhook URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", help="register this URL instead of the one from settings")
        parser.add_argument(
            "--wait",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="keep retrying while the provider is unreachable, up to this long",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or settings.PUBLIC_BASE_URL + WEBHOOK_PATH
        deadline = time.monotonic() + options["wait"]
        client = DollarPeClient.from_settings()
        while True:
            try:
                registered = client.register_webhook(url)
                break
            except TransientProviderError as exc:
                if time.monotonic() >= deadline:
                    raise CommandError(f"DollarPe is unreachable: {exc}") from None
                time.sleep(0.5)
            except ProviderError as exc:
                raise CommandError(f"DollarPe refused the webhook URL: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"Webhook URL registered with DollarPe: {registered}"))
