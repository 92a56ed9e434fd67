"""Create the local staff account on first run and say how to log in (used by `make run`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create a superuser 'admin' with a random password on first run (DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("ensure_dev_staff is for local runs only (DJANGO_DEBUG=true).")
        credentials = Path(settings.VAR_DIR) / "staff-credentials.txt"
        users = get_user_model().objects
        if users.filter(username=USERNAME).exists():
            self._say(credentials.read_text() if credentials.exists() else f"user {USERNAME!r}")
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(USERNAME, "admin@localhost", password)
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.write_text(f"username: {USERNAME}\npassword: {password}\n")
        credentials.chmod(0o600)
        self._say(credentials.read_text())

    def _say(self, text: str) -> None:
        self.stdout.write(self.style.SUCCESS("Staff account for http://127.0.0.1:8000/admin/"))
        self.stdout.write(text.rstrip())
