"""Which real services the test suite runs against.

PostgreSQL and Redis are used when they answer at their default local addresses
(or DATABASE_URL / REDIS_URL say where); otherwise the suite falls back to the
embedded defaults and says so. Under CI=true a missing service is an error.
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/kyc"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


class MissingServiceError(RuntimeError):
    """A service CI requires is not there."""


@dataclass
class Services:
    database_url: str | None = None
    redis_url: str | None = None
    chromium: str | None = None
    notes: list[str] = field(default_factory=list)


def answers(url: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 0), timeout=timeout):
            return True
    except OSError:
        return False


def _pick(
    env_name: str, local_url: str, label: str, fallback: str, services: Services
) -> str | None:
    explicit = os.environ.get(env_name)
    if explicit:
        return explicit
    if answers(local_url):
        return local_url
    services.notes.append(
        f"{label} did not answer at {urlsplit(local_url).netloc}: using {fallback}"
    )
    return None


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    candidates = (explicit,) if explicit else CHROMIUM_CANDIDATES
    return next((path for path in candidates if path and shutil.which(path)), None)


def detect() -> Services:
    services = Services()
    services.database_url = _pick("DATABASE_URL", LOCAL_POSTGRES, "PostgreSQL", "SQLite", services)
    services.redis_url = _pick("REDIS_URL", LOCAL_REDIS, "Redis", "the filesystem broker", services)
    services.chromium = find_chromium()
    if services.chromium is None:
        services.notes.append("Chromium not found: browser tests are skipped")
    if os.environ.get("CI", "").lower() == "true":
        _require_all(services)
    return services


def _require_all(services: Services) -> None:
    missing = [
        name
        for name, value in (
            ("PostgreSQL", services.database_url),
            ("Redis", services.redis_url),
            ("Chromium", services.chromium),
        )
        if value is None
    ]
    if missing:
        raise MissingServiceError(
            "CI=true requires " + ", ".join(missing) + ": " + "; ".join(services.notes)
        )
