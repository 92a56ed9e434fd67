"""Bounded polling for asynchronous outcomes (no timed assertions: only a give-up limit)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# The give-up limit when a test names none: generous, because on a loaded machine (2 cores
# shared by several test runs) a worker, a webhook retry or a page can take many seconds,
# and a wait that gives up early fails a test whose state was still on its way. Success
# returns as soon as the state is there, so a long limit costs nothing.
LIMIT = 60.0


def wait_for(probe: Callable[[], T], done: Callable[[T], bool], *, limit: float = LIMIT) -> T:
    deadline = time.monotonic() + limit
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not done after {limit:g} s: {value!r}")
        time.sleep(0.05)
