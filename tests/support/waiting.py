"""Bounded polling for asynchronous outcomes (no timed assertions: only a give-up limit)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(probe: Callable[[], T], done: Callable[[T], bool], *, limit: float = 20.0) -> T:
    deadline = time.monotonic() + limit
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not done after {limit:g} s: {value!r}")
        time.sleep(0.05)
