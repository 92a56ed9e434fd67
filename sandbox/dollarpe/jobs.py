"""The single background thread that runs due jobs stored in SQLite.

Jobs (KYC decisions, bank decisions, webhook attempts) live in the database with an
absolute due time, so a restarted emulator carries on where it stopped. One thread runs
them one at a time in (due, id) order, which also makes webhook order deterministic.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sandbox.dollarpe import decisions, webhooks
from sandbox.dollarpe.runtime import Runtime

log = logging.getLogger(__name__)

Handler = Callable[[Runtime, dict[str, Any]], object]

HANDLERS: dict[str, Handler] = {
    decisions.KYC_JOB: decisions.run_kyc_job,
    decisions.BANK_JOB: decisions.run_bank_job,
    webhooks.JOB_KIND: webhooks.run_job,
}

_IDLE_WAIT = 0.5


def run_job(rt: Runtime, job_id: int, kind: str, payload: dict[str, Any]) -> None:
    """Run one claimed job and record how it ended; a crash is logged, not fatal."""
    try:
        HANDLERS[kind](rt, payload)
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, kind)
        rt.store.finish_job(job_id, "error", f"{type(exc).__name__}: {exc}")
        return
    rt.store.finish_job(job_id, "done")


class JobRunner:
    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dollarpe-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._rt.wake.set()
        self._thread.join(timeout)

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
        row = self._rt.store.claim_due_job(time.time())
        if row is None:
            return False
        run_job(self._rt, int(row["id"]), str(row["kind"]), json.loads(row["payload"]))
        return True

    def _sleep(self) -> None:
        # Clear first: a job queued after this point sets the event and cuts the wait short.
        self._rt.wake.clear()
        next_due = self._rt.store.next_due()
        wait = _IDLE_WAIT if next_due is None else min(_IDLE_WAIT, next_due - time.time())
        if wait > 0:
            self._rt.wake.wait(wait)
