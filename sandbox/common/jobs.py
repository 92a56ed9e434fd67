"""The single background thread that runs due jobs stored in SQLite.

One thread runs them one at a time in (due, id) order, which also makes webhook order
deterministic. A handler that raises is logged and its job marked `error`: one bad job never
stops the queue.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from sandbox.common.store import SqliteStore

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], object]

_IDLE_WAIT = 0.5


class JobRunner:
    def __init__(
        self,
        store: SqliteStore,
        wake: threading.Event,
        handlers: Mapping[str, Handler],
        *,
        name: str = "sandbox-jobs",
    ) -> None:
        self._store = store
        self._wake = wake
        self._handlers = handlers
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def run(self, job_id: int, kind: str, payload: dict[str, Any]) -> None:
        """Run one claimed job and record how it ended; a crash is logged, not fatal."""
        try:
            self._handlers[kind](payload)
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, kind)
            self._store.finish_job(job_id, "error", f"{type(exc).__name__}: {exc}")
            return
        self._store.finish_job(job_id, "done")

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self._run_one()
            except Exception:
                # e.g. the database closed under us during shutdown
                log.exception("job loop error")
                ran = False
            if not ran:
                self._sleep()

    def _run_one(self) -> bool:
        row = self._store.claim_due_job(time.time())
        if row is None:
            return False
        self.run(int(row["id"]), str(row["kind"]), json.loads(row["payload"]))
        return True

    def _sleep(self) -> None:
        # Clear first: a job queued after this point sets the event and cuts the wait short.
        self._wake.clear()
        next_due = self._store.next_due()
        wait = _IDLE_WAIT if next_due is None else min(_IDLE_WAIT, next_due - time.time())
        if wait > 0:
            self._wake.wait(wait)
