"""Fixtures for the webhook tests: the intake served for real, registered with the emulator."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.settings import free_port
from tests.support.builders import register_webhook_url
from tests.support.waiting import wait_for


@pytest.fixture
def hook_url(live_server: Any, emulator: Any) -> str:
    """Our intake on the live server, where the emulator delivers its webhooks."""
    return register_webhook_url(live_server.url)


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def gunicorn_url(transactional_db: Any) -> Iterator[str]:
    """The app under gunicorn, the production server (it decodes chunked bodies)."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onboarding.settings"}
    env["DATABASE_URL"] = _database_url()
    log_path = Path(settings.VAR_DIR) / f"gunicorn-{port}.log"
    command = [sys.executable, "-m", "gunicorn", "onboarding.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"]
    command += ["--no-control-socket"]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _answers(port) or server.poll() is not None, bool, limit=30)
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
