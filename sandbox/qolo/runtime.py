"""The running emulator's shared objects, plus the helpers every module needs.

`Runtime` is what handlers, jobs and the control API share: the store, the start-up and
current configuration, the job wake-up event and the fault dice (all shared with the other
emulators: sandbox/common/runtime.py), plus the gateway's rate limiter and one lock per
IdempotencyKey in use. GUIDs are lowercase UUIDs; times are ISO 8601 UTC with milliseconds,
as .NET writes them.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sandbox.common.ratelimit import RateLimiter
from sandbox.common.runtime import RuntimeBase
from sandbox.qolo.config import EmulatorConfig, Login, Program, RuntimeConfig
from sandbox.qolo.state import Store


def new_guid() -> str:
    return str(uuid.uuid4())


def iso(timestamp: float) -> str:
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso(time.time())


@dataclass
class Runtime(RuntimeBase[Store, EmulatorConfig, RuntimeConfig]):
    """The shared runtime plus the gateway rate limit and the idempotency locks."""

    limiter: RateLimiter = field(default_factory=RateLimiter)
    _key_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _key_guard: threading.Lock = field(default_factory=threading.Lock)

    def login(self, login_id: str, api_key: str) -> Login | None:
        return next(
            (
                login
                for login in self.startup.logins
                if login.login_id == login_id and login.api_key == api_key
            ),
            None,
        )

    def program(self, guid: str) -> Program | None:
        wanted = guid.lower()
        return next((p for p in self.startup.programs if p.guid == wanted), None)

    @contextmanager
    def key_lock(self, scope: str) -> Iterator[None]:
        """Serialise the calls carrying one IdempotencyKey, so a replay sees the first answer."""
        with self._key_guard:
            lock = self._key_locks.setdefault(scope, threading.Lock())
        with lock:
            yield
