"""How many unauthenticated deliveries the intake stores: a bound per source and overall.

Anyone can post to a webhook URL, and every refused request is kept (trimmed) for staff.
Without a bound a burst of forged requests would grow the database without end, so the
refusals are counted in the shared cache, per fixed window of WEBHOOK_INVALID_WINDOW
seconds: past WEBHOOK_INVALID_PER_SOURCE from one source, or WEBHOOK_INVALID_STORED from
all of them, a refusal is answered 429 and not stored. Authentic deliveries never come
here: the intake's hot path does not touch the cache for them.
"""

from __future__ import annotations

import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache, caches

from kyc.webhooks.wakeups import CACHE_ERRORS
from onboarding.cache import RedisCache

logger = logging.getLogger(__name__)

# An IPv6 host is handed a /64 for free: count the network, not each of its addresses.
IPV6_PREFIX = 64


def invalid_may_be_stored(remote_addr: str | None) -> bool:
    """Count one refused delivery; whether it is still within both bounds (then store it).

    When the cache is away nothing is counted and nothing is stored: the bound holds.
    """
    window = int(time.time() // settings.WEBHOOK_INVALID_WINDOW)
    try:
        from_source = _count(f"webhook-invalid:{_source(remote_addr)}:{window}")
        if from_source > settings.WEBHOOK_INVALID_PER_SOURCE:
            return False
        return _count(f"webhook-invalid:*:{window}") <= settings.WEBHOOK_INVALID_STORED
    except CACHE_ERRORS as exc:
        logger.warning("webhook refusal counter unavailable (%s)", type(exc).__name__)
        return False


def seconds_left() -> int:
    """Until the current window ends: the Retry-After of a 429."""
    window = settings.WEBHOOK_INVALID_WINDOW
    return max(1, window - int(time.time()) % window)


def _count(key: str) -> int:
    """INCR, creating the counter with its expiry when it is not there yet."""
    timeout = settings.WEBHOOK_INVALID_WINDOW * 2
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend.count(key, timeout)
    cache.add(key, 0, timeout)  # the folder cache of `make run`: not atomic, one machine
    return int(cache.incr(key))


def _source(remote_addr: str | None) -> str:
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)
