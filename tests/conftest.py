"""Fixtures shared by the whole suite: the real services at every boundary we own."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from sandbox.s3 import create_private_bucket
from tests.settings import SERVICES


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    lines = [
        f"database: {engine} ({database.get('HOST') or database['NAME']})",
        f"broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]}",
        f"browser: {SERVICES.chromium or 'none'}",
    ]
    return lines + [f"fallback: {note}" for note in SERVICES.notes]


@pytest.fixture(scope="session", autouse=True)
def s3_server() -> Iterator[str]:
    """moto's S3 server over HTTP on the port the test settings chose, with the private bucket."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    endpoint = settings.AWS_S3_ENDPOINT_URL
    parts = urlsplit(endpoint)
    server = ThreadedMotoServer(
        ip_address=parts.hostname or "127.0.0.1", port=parts.port or 9100, verbose=False
    )
    server.start()
    create_private_bucket(
        endpoint, settings.AWS_STORAGE_BUCKET_NAME, settings.AWS_S3_REGION_NAME, origins=[]
    )
    yield endpoint
    server.stop()
