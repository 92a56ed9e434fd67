"""Django's Redis cache backend, keeping one redis client per connection pool.

django.core.cache.backends.redis builds a new redis.Redis for every operation, and
building one fills a table of some 170 response callbacks: that costs more than the
round trip to Redis. The webhook intake sets a flag per delivery, so it keeps its client
(redis.Redis is safe to share between threads; the pool hands out the connections).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}  # id of a connection pool -> its client

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own private helpers (not in django-stubs), as its get_client uses them.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count(self, key: str, timeout: int) -> int:
        """INCR a counter that expires `timeout` seconds after it was created, in one round
        trip (Django's incr() takes two and needs the key to exist): the webhook intake
        counts refused requests with it under a flood (kyc/webhooks/limits.py)."""
        name = self.make_and_validate_key(key)
        client = self._cache.get_client(name, write=True)  # type: ignore[attr-defined]
        pipeline = client.pipeline(transaction=False)
        pipeline.set(name, 0, ex=timeout, nx=True)
        pipeline.incr(name)
        return int(pipeline.execute()[1])
