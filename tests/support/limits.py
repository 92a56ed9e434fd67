"""The rate limits' counters of this test run, wiped between tests.

The counters live in the shared cache (Redis under CI=true, shared by every run on the
machine): each run counts under its own RATELIMIT_CACHE_PREFIX (tests/settings.py), so
wiping its own never touches another run's, nor the cache's other keys.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def clear_rate_limits() -> None:
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        cache.clear()  # the folder cache: this run's own (under its KYC_VAR_DIR)
        return
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    pattern = cache.make_key(settings.RATELIMIT_CACHE_PREFIX + "*")
    keys = list(client.scan_iter(match=pattern, count=1000))
    if keys:
        client.delete(*keys)
