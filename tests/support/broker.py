"""What sits in a broker queue, read from the broker itself (Redis or kombu's folders)."""

from __future__ import annotations

import json
from pathlib import Path

import redis
from django.conf import settings


def queued_tasks(queue: str) -> list[str]:
    """The task names of the messages waiting in `queue`, oldest first."""
    return [json.loads(raw)["headers"]["task"] for raw in _messages(queue)]


def drop_messages(queue: str) -> None:
    """Lose what waits in `queue`, as a broker restarted without its data would."""
    if settings.CELERY_BROKER_URL.startswith("redis"):
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        client.delete(queue)
        client.close()
        return
    for path in _files(queue):
        path.unlink()


def _messages(queue: str) -> list[bytes]:
    if settings.CELERY_BROKER_URL.startswith("redis"):
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        try:
            # kombu pushes on the left and pops on the right: the oldest is last.
            return [_bytes(raw) for raw in reversed(client.lrange(queue, 0, -1))]
        finally:
            client.close()
    return [path.read_bytes() for path in _files(queue)]


def _bytes(raw: bytes | str) -> bytes:
    return raw.encode() if isinstance(raw, str) else raw


def _files(queue: str) -> list[Path]:
    folder = Path(settings.CELERY_BROKER_FOLDER)
    return sorted(folder.glob(f"*.{queue}.msg")) if folder.is_dir() else []
