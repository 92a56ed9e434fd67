"""Fixtures for the pipeline tests: a proxy that loses the provider's answers."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests


class LosingProxy:
    """Forwards every request to the emulator; for chosen paths the answer never comes back.

    The provider accepts the call, our client never learns it: the "timed out after the
    provider accepted" case, at the network boundary, with nothing of ours replaced.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.lost_paths: set[str] = set()
        self.drop = False  # drop the connection instead of holding it until the client gives up
        self.released = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def lose(self, path: str, *, drop: bool = False) -> None:
        self.lost_paths.add(path)
        self.drop = drop

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.request(
                    self.command, proxy.upstream + self.path, data=body, headers=headers, timeout=30
                )
                if self.path.split("?")[0] in proxy.lost_paths:
                    if not proxy.drop:
                        proxy.released.wait(60)  # the client times out meanwhile
                    self.close_connection = True
                    return
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PATCH = _forward

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def losing_proxy(emulator: Any, settings: Any) -> Iterator[LosingProxy]:
    """The app's provider calls go through the proxy, with the app's own client timeout
    (a test shortens it only for the call whose answer is held)."""
    proxy = LosingProxy(emulator.base_url)
    settings.DOLLARPE_BASE_URL = proxy.url
    yield proxy
    proxy.close()
