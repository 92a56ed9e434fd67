"""Once the local stack answers, say how to use it: the last block `make run` prints.

Waits until GET /healthz answers 200 and a Celery worker answers a ping, so that the block
comes after every process's start-up noise, then prints the app's address, the back
office, the staff login (local runs only), where emails appear and how to stop.
With --stay it then keeps running: honcho stops every process when one of them ends.
"""

from __future__ import annotations

import signal
import sys
import time
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from kombu.exceptions import OperationalError

from onboarding.celery import app as celery_app
from onboarding.management.commands.ensure_dev_staff import USERNAME, credentials_file, stored_login

RULE = "=" * 72
PRINTED_BACKENDS = {
    "onboarding.mail.ConsoleEmailBackend",
    "django.core.mail.backends.console.EmailBackend",
}


class Command(BaseCommand):
    help = "Wait until the local stack answers, then print its addresses and staff login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", help="the app's base URL (default: PUBLIC_BASE_URL)")
        parser.add_argument(
            "--wait",
            type=float,
            default=60.0,
            metavar="SECONDS",
            help="how long to wait for /healthz and a worker before saying what is missing",
        )
        parser.add_argument(
            "--stay", action="store_true", help="keep running afterwards, until stopped"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("dev_ready is for local runs only (DJANGO_DEBUG=true).")
        base = (options["url"] or settings.PUBLIC_BASE_URL).rstrip("/")
        deadline = time.monotonic() + options["wait"]
        missing = self._wait_until_healthy(base + "/healthz", deadline)
        if not _wait_for_worker(deadline):
            missing.append("no Celery worker answered: tasks and emails wait for one")
        self.stdout.write("\n".join(_block(base, missing)))
        self.stdout.flush()
        if options["stay"]:
            _stay()

    def _wait_until_healthy(self, url: str, deadline: float) -> list[str]:
        """[] once /healthz answers 200; what it says is down if it still does not at the end."""
        said = None
        while True:
            answer = _health(url)
            if answer == []:
                return []
            if answer is not None and answer != said:
                self.stderr.write(f"{url} answers that these are down: {', '.join(answer)}")
                said = answer
            if time.monotonic() >= deadline:
                if answer is None:
                    raise CommandError(f"{url} did not answer: is the web process up?")
                return [f"/healthz says down: {', '.join(answer)}"]
            time.sleep(0.5)


def _health(url: str) -> list[str] | None:
    """None when nothing answers; else the checks that failed ([] when all is well)."""
    try:
        response = requests.get(url, timeout=5)
    except requests.RequestException:
        return None
    if response.status_code == 200:
        return []
    try:
        checks = response.json()["checks"]
        return sorted(name for name, check in checks.items() if not check["ok"]) or ["?"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return [f"HTTP {response.status_code}"]


def _wait_for_worker(deadline: float) -> bool:
    while True:
        try:
            if celery_app.control.ping(timeout=1.0):
                return True
        except (OSError, OperationalError):  # the broker is away: /healthz says so too
            time.sleep(0.5)
        if time.monotonic() >= deadline:
            return False


def _block(base: str, missing: list[str]) -> list[str]:
    login = stored_login()
    staff = f"{login[0]} / {login[1]}" if login else f"{USERNAME!r}, see {credentials_file()}"
    lines = [
        "",
        RULE,
        "  KYC onboarding is up" if not missing else "  KYC onboarding is up, but:",
        *[f"  ! {problem}" for problem in missing],
        "",
        f"  App:          {base}/",
        f"  Back office:  {base}/admin/",
        f"  Staff login:  {staff}   (local only)",
        f"  Emails:       {_where_emails_go()}",
        "",
        "  Ctrl-C stops everything.",
        RULE,
    ]
    return lines


def _where_emails_go() -> str:
    backend = settings.EMAIL_BACKEND
    if backend in PRINTED_BACKENDS:
        return "printed in the worker's output (the worker.1 lines)"
    if backend == "django.core.mail.backends.filebased.EmailBackend":
        return f"written to {getattr(settings, 'EMAIL_FILE_PATH', 'EMAIL_FILE_PATH')}"
    return f"sent through {backend}"


def _stay() -> None:
    # SIGTERM is how honcho stops us: end quietly, with status 0, like the others.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    while True:
        signal.pause()
