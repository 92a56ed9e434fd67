"""A fixed-window rate limit per key (an organization, a login, the whole gateway).

The window opens with the first counted call; a refused call learns when it closes. Kept in
memory: a restart opens a fresh window, like a limit that simply reset. A limit of 0 refuses
every counted call (tests force 429s with it).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    # Set when the call is refused: when to retry (UTC Unix seconds).
    retry_after: int | None = None


class RateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def check(self, key: str, *, limit: int, window: float, now: float, count: bool) -> Quota:
        """The quota after this call; `count` is False for calls that are not limited."""
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now >= start + window:
                start, used = now, 0
            if count and used >= limit:
                self._windows[key] = (start, used)
                return Quota(limit, 0, math.ceil(start + window))
            if count:
                used += 1
                self._windows[key] = (start, used)
            return Quota(limit, max(0, limit - used))
