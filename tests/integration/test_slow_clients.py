"""Slow-loris clients against gunicorn with production's configuration (gthread workers).

Clients that send their request headers a byte a second each keep a connection busy for as
long as they like. With production's configuration /healthz keeps answering meanwhile. (The
same test against 2 sync workers fails: each slow client holds a whole worker.)
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings

from tests.support.processes import Gunicorn, database_url
from tests.support.waiting import wait_for

PRODUCTION_CONFIG = Path(settings.BASE_DIR) / "onboarding" / "gunicorn.conf.py"
SLOW_CLIENTS = 4  # twice production's worker count
# "Answering": what a load balancer's health check would wait before calling the app down.
ANSWER_TIMEOUT = 5
PROBES = 10


class SlowClient:
    """Sends a request's headers a byte a second, never finishing them, until stopped."""

    REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-loris\r\n" * 10

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT)
        self.sock.settimeout(None)  # blocking: holding() peeks with MSG_DONTWAIT
        self.sent = 0
        self.error: OSError | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.is_set() and self.sent < len(self.REQUEST):
            try:
                self.sock.sendall(self.REQUEST[self.sent : self.sent + 1])
            except OSError as error:
                self.error = error
                return
            self.sent += 1
            self._stop.wait(1.0)  # the attack's own pace, not a wait for the server

    def holding(self) -> bool:
        """Still connected, and the server has neither answered nor closed the connection."""
        if self.error is not None:
            return False
        try:
            self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return False  # an answer or the end of the connection

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def production_server(transactional_db: Any) -> Iterator[Gunicorn]:
    log_path = Path(settings.VAR_DIR) / f"gunicorn-{uuid.uuid4().hex[:8]}.log"
    server = Gunicorn(log_path, config=PRODUCTION_CONFIG, DATABASE_URL=database_url())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def slow_clients(production_server: Gunicorn) -> Iterator[list[SlowClient]]:
    clients = [SlowClient(production_server.port) for _ in range(SLOW_CLIENTS)]
    try:
        # A few bytes each: every one has been taken from the queue by a worker by now.
        wait_for(lambda: min(client.sent for client in clients), lambda sent: sent >= 3)
        yield clients
    finally:
        for client in clients:
            client.close()


def test_healthz_answers_while_slow_clients_hold_connections(production_server, slow_clients):
    for _ in range(PROBES):
        response = requests.get(production_server.url + "/healthz", timeout=ANSWER_TIMEOUT)
        assert response.status_code == 200, response.text
    # The slow clients were still there the whole time: the server did not just drop them.
    assert all(client.holding() for client in slow_clients)
    assert min(client.sent for client in slow_clients) >= 3
