"""Fault injection for resilience tests: 500s, slow answers and dropped connections.

A WSGI middleware so the fault is decided before Flask (and so before any state change)
sees the request. Only API paths are affected, never `/_sandbox`. The draw uses a seeded
RNG (config `fault_seed`) so a failing run can be replayed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sandbox.dollarpe import requestlog
from sandbox.dollarpe.envelopes import INTERNAL_ERROR_BODY
from sandbox.dollarpe.runtime import Runtime

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

API_PREFIXES = ("/cms/", "/org/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


class FaultMiddleware:
    def __init__(self, app: WSGIApplication, rt: Runtime) -> None:
        self._app = app
        self._rt = rt

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        mode = self._draw() if is_api_path(path) else None
        if mode is None:
            return self._app(environ, start_response)
        log.info("fault %s on %s %s", mode, environ.get("REQUEST_METHOD"), path)
        self._record(environ, mode)
        if mode == "reset":
            _drop_connection(environ)
            # werkzeug treats ConnectionError as "client went away" and writes nothing.
            raise ConnectionResetError("sandbox fault injection: reset")
        if mode == "timeout":
            time.sleep(self._rt.config.fault_timeout_seconds)
        body = json.dumps(INTERNAL_ERROR_BODY).encode()
        start_response(
            "500 INTERNAL SERVER ERROR",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _draw(self) -> str | None:
        config = self._rt.config
        if config.fault_rate <= 0 or not config.fault_modes:
            return None
        with self._rt.fault_lock:
            if self._rt.fault_rng.random() >= config.fault_rate:
                return None
            return self._rt.fault_rng.choice(config.fault_modes)

    def _record(self, environ: WSGIEnvironment, mode: str) -> None:
        requestlog.record(
            self._rt,
            method=environ.get("REQUEST_METHOD", ""),
            path=environ.get("PATH_INFO", ""),
            query=environ.get("QUERY_STRING"),
            status=None if mode == "reset" else 500,
            body=_read_json(environ),
            fault=mode,
        )


def _read_json(environ: WSGIEnvironment) -> Any:
    """The request body for the log only; the faulted request is never handled."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return json.loads(environ["wsgi.input"].read(min(length, 1_000_000))) if length else None
    except (ValueError, OSError):
        return None


def _drop_connection(environ: WSGIEnvironment) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
