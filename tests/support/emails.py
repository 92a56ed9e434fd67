"""The emails the suite's Celery worker sent: it writes them to files (Django's file
backend), so a browser test can read what a person would receive."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from django.conf import settings

from tests.support.waiting import wait_for


def folder() -> Path:
    return Path(settings.VAR_DIR) / "worker-emails"


def sent_to(address: str) -> list[email.message.EmailMessage]:
    """Every message to `address`, oldest first."""
    found: list[email.message.EmailMessage] = []
    if not folder().exists():
        return found
    for path in sorted(folder().glob("*.log"), key=lambda p: p.stat().st_mtime):
        # The backend writes a message, then its separator: what follows the last separator
        # may be a message the worker is still writing, so it is not read yet.
        for chunk in path.read_text(encoding="utf-8").split("-" * 79)[:-1]:
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.lstrip(), policy=email.policy.default)
            if address in str(message.get("To", "")):
                found.append(message)
    return found


def body(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def signup_link(address: str) -> str:
    """The path of the "confirm your email" link the worker sent to `address` (its host is
    the worker's PUBLIC_BASE_URL)."""
    message = wait_for(lambda: sent_to(address), bool, limit=30)[-1]
    found = re.search(r"(/accounts/signup/confirm/\S+)", body(message))
    assert found is not None, body(message)
    return found.group(1)
