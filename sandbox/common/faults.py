"""Fault injection for resilience tests: 500s, slow answers and dropped connections, and
an added latency on chosen paths (a real provider's answer time, for the benchmarks).

A WSGI middleware, so the fault is decided before the application (and so before any state
change) sees the request. Each emulator says which paths are its API (the control API is
never faulted) and what its 500 body looks like. The draw uses a seeded RNG (option
`fault_seed`) so a failing run can be replayed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

FAULT_MODES = ("500", "timeout", "reset")


class FaultSettings(Protocol):
    """The runtime options a fault draw reads (every emulator's RuntimeConfig has them)."""

    @property
    def fault_rate(self) -> float: ...

    @property
    def fault_modes(self) -> tuple[str, ...]: ...

    @property
    def fault_timeout_seconds(self) -> float: ...

    @property
    def latency_seconds(self) -> float: ...

    @property
    def latency_paths(self) -> tuple[str, ...]: ...


class FaultDice:
    """The seeded random source of fault draws; reseeded whenever the options change."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self._rng = random.Random(seed)

    def draw(self, settings: FaultSettings) -> str | None:
        if settings.fault_rate <= 0 or not settings.fault_modes:
            return None
        with self._lock:
            if self._rng.random() >= settings.fault_rate:
                return None
            return self._rng.choice(settings.fault_modes)


class FaultMiddleware:
    def __init__(
        self,
        app: WSGIApplication,
        *,
        dice: FaultDice,
        settings: Callable[[], FaultSettings],
        applies: Callable[[str], bool],
        error_body: bytes,
        on_fault: Callable[[WSGIEnvironment, str], None],
    ) -> None:
        self._app = app
        self._dice = dice
        self._settings = settings
        self._applies = applies
        self._error_body = error_body
        self._on_fault = on_fault

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        settings = self._settings()
        applies = self._applies(path)
        if applies and settings.latency_seconds and _slowed(path, settings.latency_paths):
            time.sleep(settings.latency_seconds)
        mode = self._dice.draw(settings) if applies else None
        if mode is None:
            return self._app(environ, start_response)
        log.info("fault %s on %s %s", mode, environ.get("REQUEST_METHOD"), path)
        self._on_fault(environ, mode)
        if mode == "reset":
            _drop_connection(environ)
            # werkzeug treats ConnectionError as "client went away" and writes nothing.
            raise ConnectionResetError("sandbox fault injection: reset")
        if mode == "timeout":
            time.sleep(settings.fault_timeout_seconds)
        headers = [("Content-Length", str(len(self._error_body)))]
        if self._error_body:
            # A provider whose 500s have no body (Qolo's) answers no Content-Type either.
            headers.insert(0, ("Content-Type", "application/json"))
        start_response("500 INTERNAL SERVER ERROR", headers)
        return [self._error_body]


def _slowed(path: str, paths: tuple[str, ...]) -> bool:
    return not paths or path.rstrip("/").endswith(tuple(p.rstrip("/") for p in paths))


def faulted_request(environ: WSGIEnvironment, mode: str) -> dict[str, Any]:
    """What the request log keeps of a faulted request (a reset got no answer at all)."""
    return {
        "method": environ.get("REQUEST_METHOD", ""),
        "path": environ.get("PATH_INFO", ""),
        "query": environ.get("QUERY_STRING") or None,
        "status": None if mode == "reset" else 500,
        "body": read_json_body(environ),
        "fault": mode,
    }


def read_json_body(environ: WSGIEnvironment) -> Any:
    """A faulted request's JSON body, for the request log only (the request is never handled)."""
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
