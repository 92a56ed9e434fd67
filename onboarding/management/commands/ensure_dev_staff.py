"""Create the local staff account on first run and keep its login in a file (`make run`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"


def credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "staff-credentials.txt"


def stored_login() -> tuple[str, str] | None:
    """(username, password) as the first run wrote them, or None if the file is gone."""
    try:
        fields = dict(line.split(": ", 1) for line in credentials_file().read_text().splitlines())
    except (OSError, ValueError):
        return None
    if "username" not in fields or "password" not in fields:
        return None
    return fields["username"], fields["password"]


class Command(BaseCommand):
    help = "Create a superuser 'admin' with a random password on first run (DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("ensure_dev_staff is for local runs only (DJANGO_DEBUG=true).")
        credentials = credentials_file()
        users = get_user_model().objects
        if users.filter(username=USERNAME).exists():
            self.stdout.write(f"Staff account {USERNAME!r}: login in {credentials}")
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(USERNAME, "admin@localhost", password)
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.write_text(f"username: {USERNAME}\npassword: {password}\n")
        credentials.chmod(0o600)
        # The password is shown in `manage.py dev_ready`'s block, once everything is up.
        created = f"Staff account {USERNAME!r} created: login in {credentials}"
        self.stdout.write(self.style.SUCCESS(created))
