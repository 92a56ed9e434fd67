"""Fixtures for the webhook tests: the intake served by gunicorn, the production server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.support.processes import Gunicorn, database_url


@pytest.fixture
def gunicorn_url(transactional_db: Any) -> Iterator[str]:
    """The app under gunicorn (it decodes chunked bodies), on the test database."""
    log_path = Path(settings.VAR_DIR) / f"gunicorn-{uuid.uuid4().hex[:8]}.log"
    server = Gunicorn(log_path, DATABASE_URL=database_url())
    try:
        yield server.url
    finally:
        server.stop()
