"""Bench-only Celery tasks (loaded by the bench's worker with --include)."""

from __future__ import annotations

import redis
from celery import shared_task

from bench.stack import REDIS_URL

COUNTER = "kyc-bench:noop"
_redis = redis.Redis.from_url(REDIS_URL)  # one pool per process; redis-py is fork-aware


@shared_task(ignore_result=True)
def noop() -> None:
    """The baseline: a task that only says it ran."""
    _redis.incr(COUNTER)
