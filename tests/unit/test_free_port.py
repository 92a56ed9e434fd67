"""The ports the tests choose stay theirs until the server meant for each one takes it.

Servers (the emulators, gunicorn, redis-server) are started on a port chosen earlier, some
minutes later; on a machine where other test runs start servers and open connections, a
port released at once could be taken meanwhile.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from tests.settings import free_port


def test_nobody_else_can_bind_a_chosen_port() -> None:
    port = free_port()
    other = socket.socket()  # another program, binding the port it was told is free
    try:
        with pytest.raises(OSError, match="Address already in use"):
            other.bind(("127.0.0.1", port))
    finally:
        other.close()


def test_nothing_answers_on_a_chosen_port_until_its_server_listens() -> None:
    port = free_port()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=5)


def up(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"up"]


def test_the_server_meant_for_a_chosen_port_can_listen_on_it() -> None:
    port = free_port()
    server = make_server("127.0.0.1", port, up)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).text == "up"
    finally:
        server.shutdown()
        thread.join(10)
