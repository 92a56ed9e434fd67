"""Waking the webhook drain: one task per burst of deliveries, not one per delivery.

Publishing a Celery task costs more than storing a delivery, so the intake does not
publish one per delivery. After its row is committed, a delivery checks a shared flag:

- the delivery that finds no flag sets it (SET NX in Redis; the folder cache of
  `make run` checks then sets, where a race costs one extra drain) and publishes a
  drain task (kyc.tasks.drain_webhooks);
- the drain clears the flag *before* it looks for queued rows, so a delivery committed
  before the clear is seen by that drain, and one that checks after it either finds no
  flag and publishes a drain of its own, or finds a flag set after the clear, whose
  drain is still to come. Nothing committed is left without a drain.

What the protocol cannot see is a drain message lost after its flag was set (a broker
restarted without its data, a worker that exhausted the drain's retries). The flag
expires after WEBHOOK_WAKE_TTL seconds and Celery beat runs webhooks_heartbeat as often:
if deliveries are queued it wakes a drain, so such deliveries wait at most about twice
WEBHOOK_WAKE_TTL.

Under load even the flag check is coalesced per process: a delivery arriving within
COALESCE seconds of this process's last check leaves a note instead, and a single check
runs in a background thread when that window ends, after those deliveries' commits,
which is all the protocol needs. A quiet process checks at once, so a lone delivery
waits for nothing; a check that fails at once makes the intake answer 503 (the provider
retries), and a deferred one that fails is tried again until the broker answers.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from kyc import jobs

logger = logging.getLogger(__name__)

COALESCE = 0.02  # seconds: at most one flag check per window and process
RETRY_AFTER = 1.0  # seconds before a deferred check that failed is tried again
# What a cache backend raises when its server is away (Redis) or its folder is unusable.
CACHE_ERRORS = (RedisError, OSError)


def wake_flag(queue: str) -> str:
    # Per queue: a drain published to one queue is no wake-up for the workers of another.
    return f"webhooks-drain:{queue}"


def webhooks_wake() -> None:
    """Have every queued delivery processed soon; call it after the delivery's commit.

    Raises BrokerError when a drain was due and could not be published (the flag is
    taken back first, so the next delivery tries again; the intake answers 503).
    """
    queue = current_app.conf.task_default_queue
    # Eager tasks (tests) would run the drain in the deferring thread: check here instead.
    if not current_app.conf.task_always_eager and _coalescer.defer(queue):
        return
    try:
        wake_now(queue)
    except BrokerError:
        _coalescer.forget(queue)  # the next delivery checks at once too (and gets its 503)
        raise


def flush() -> None:
    """Run this process's deferred flag checks now instead of at the end of their window."""
    _coalescer.flush()


def wake_now(queue: str) -> bool:
    """Check the flag and publish a drain if it was down; whether one was published."""
    flag = wake_flag(queue)
    try:
        claimed = cache.add(flag, "1", settings.WEBHOOK_WAKE_TTL)
    except CACHE_ERRORS as exc:  # no flag to share: publish anyway, a drain is idempotent
        logger.warning("webhook wake-up flag unavailable (%s)", type(exc).__name__)
        claimed = True
    if not claimed:
        return False
    try:
        jobs.publish(jobs.DRAIN_WEBHOOKS, {"flag": flag}, queue=queue)
    except BrokerError:
        flag_clear(flag)
        raise
    return True


def flag_clear(flag: str) -> None:
    try:
        cache.delete(flag)
    except CACHE_ERRORS as exc:
        logger.warning("webhook wake-up flag unavailable (%s)", type(exc).__name__)


class Coalescer:
    """This process's flag checks: at most one per window (seconds) and queue.

    Deferred checks run in one daemon thread of the process (so it keeps one cache
    connection), and any still due when the process exits run before it does (atexit).
    """

    def __init__(self, window: float = COALESCE) -> None:
        self.window = window
        self._ready = threading.Condition()
        self._checked: dict[str, float] = {}  # queue -> when this process last checked
        self._due: dict[str, float] = {}  # queue -> when its deferred check runs
        self._thread: threading.Thread | None = None
        self._busy = False  # the thread is running a check

    def defer(self, queue: str) -> bool:
        """False: check now (none in the window). True: a deferred check will run."""
        with self._ready:
            now = time.monotonic()
            last = self._checked.get(queue)
            # Never checked, or forgotten after a failure: check now (and answer 503 if down).
            if last is None or (queue not in self._due and now - last >= self.window):
                self._checked[queue] = now
                return False
            if queue not in self._due:
                self._schedule(queue, (last or now) + self.window)
            return True

    def forget(self, queue: str) -> None:
        with self._ready:
            self._checked.pop(queue, None)

    def flush(self) -> None:
        """Run every deferred check now, and wait for the one the thread may be running."""
        with self._ready:
            due, self._due = list(self._due), {}
        for queue in due:
            self._check(queue)
        with self._ready:
            self._ready.wait_for(lambda: not self._busy, timeout=30)

    def reset(self) -> None:
        """In a forked child: the parent's thread does not exist there."""
        self._ready = threading.Condition()
        self._checked, self._due, self._thread, self._busy = {}, {}, None, False

    def _schedule(self, queue: str, at: float) -> None:
        # Called with the lock held.
        self._due[queue] = min(at, self._due.get(queue, at))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhook-wake", daemon=True)
            self._thread.start()
        self._ready.notify()

    def _run(self) -> None:
        while True:
            queue = self._next_due()
            try:
                self._check(queue)
            finally:
                connections.close_all()  # a check needs no database; never keep one open here
                with self._ready:
                    self._busy = False
                    self._ready.notify_all()

    def _next_due(self) -> str:
        with self._ready:
            while True:
                if not self._due:
                    self._ready.wait()
                    continue
                queue, at = min(self._due.items(), key=lambda item: item[1])
                wait = at - time.monotonic()
                if wait > 0:
                    self._ready.wait(wait)
                    continue
                del self._due[queue]
                self._checked[queue] = time.monotonic()
                self._busy = True
                return queue

    def _check(self, queue: str) -> None:
        """A deferred check: its deliveries were answered already, so it must not be lost."""
        try:
            wake_now(queue)
        except Exception:  # broker away (or worse): keep trying; the next delivery gets 503
            logger.exception("webhook drain could not be woken for queue %s", queue)
            with self._ready:
                self._checked.pop(queue, None)
                self._schedule(queue, time.monotonic() + RETRY_AFTER)


_coalescer = Coalescer()
os.register_at_fork(after_in_child=_coalescer.reset)
atexit.register(_coalescer.flush)
