"""A tiny HTTP server that answers scripted responses: the provider's odd answers the
emulator would never give (documented variants, rate limits, garbage)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Script:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    # Answers given once each, in order, before the standing one above.
    queued: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)

    def once(self, status: int, document: Any = None, **headers: str) -> None:
        body = b"" if document is None else json.dumps(document).encode()
        kind = {"Content-Type": "application/json"} if document is not None else {}
        self.queued.append((status, body, {**kind, **headers}))

    def next_answer(self) -> tuple[int, bytes, dict[str, str]]:
        return self.queued.pop(0) if self.queued else (self.status, self.body, self.headers)

    def json(self, document: Any, status: int = 200, **headers: str) -> None:
        self.status, self.body = status, json.dumps(document).encode()
        self.headers = {"Content-Type": "application/json", **headers}

    def envelope(self, data: Any) -> None:
        self.json({"status": True, "message": "Success", "data": data})


@contextmanager
def scripted_server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            script.requests.append((self.command, self.path, dict(self.headers), body))
            status, answer, headers = script.next_answer()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", script
    finally:
        server.shutdown()
        server.server_close()
