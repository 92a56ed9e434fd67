"""The broker crashes and restarts mid-run: nothing is lost and nothing is sent twice.

A private redis-server (append-only file, as a production broker keeps its data) is
killed with SIGKILL while a worker drains a batch of submissions, then started again on
the same port and data. Messages it lost (or that the worker took but could not
acknowledge) leave their submissions queued; the sweeper sends those again, which is
the design. Messages it gives twice are refused by the submission's compare-and-set.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from kyc.models import AuditEvent, Submission
from kyc.services.sweeper import sweep_run
from tests.support import builders
from tests.support.processes import RedisServer, Worker, publishing_to
from tests.support.waiting import wait_for

ADD_KYC = "/cms/api/v1/kyc/add-kyc-data"
BATCH = 40

# Outside CI a machine without the binary skips; under CI=true a missing one fails loudly.
pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None and os.environ.get("CI", "").lower() != "true",
    reason="needs the redis-server binary",
)


def _states(ids: list[int]) -> Counter[str]:
    return Counter(Submission.objects.filter(pk__in=ids).values_list("state", flat=True))


def _settled(probe: Callable[[], Any], *, polls: int = 40) -> Any:
    """Wait until `probe` gave the same value `polls` times in a row (about 2 s)."""
    history: list[Any] = []

    def still(value: Any) -> bool:
        history.append(value)
        return len(history) >= polls and all(v == value for v in history[-polls:])

    return wait_for(probe, still, limit=60)


@pytest.mark.django_db(transaction=True)
def test_a_broker_restart_mid_run_loses_nothing_and_sends_nothing_twice(
    emulator: Any, private_redis: RedisServer, start_worker: Callable[..., Worker]
) -> None:
    emulator.config(auto_decision=False)
    with publishing_to(private_redis.url):
        verifications = [builders.customer() for _ in range(BATCH)]
        # Each is queued on the private broker as the journey queues it (on commit).
        ids = [builders.queued_submission(v).pk for v in verifications]
        worker = start_worker(concurrency=1, CELERY_BROKER_URL=private_redis.url)
        wait_for(lambda: _states(ids)[Submission.State.SENT], lambda sent: sent >= BATCH // 4)

        private_redis.crash()
        before_restart = _states(ids)
        private_redis.start()  # same port, same append-only file
        wait_for(worker.log, lambda text: text.count("Connected to redis://") >= 2, limit=60)
        # What the broker kept is drained; what it lost stays queued (or "sending").
        _settled(lambda: _states(ids))
        # The sweep below pretends its thresholds have passed. In production they are minutes,
        # so it never meets a send in progress; here a worker still sending (a pause longer
        # than the settling above, on a loaded machine) would be put back and sent twice. So
        # the worker stops first (a warm shutdown: it finishes the task it holds and gives
        # back what it reserved), and a new one drains what is left.
        worker.stop()
        swept = sweep_run(
            now=timezone.now()
            + timedelta(seconds=settings.KYC_SWEEP_QUEUED_AFTER + settings.KYC_SWEEP_SENDING_AFTER)
        )
        start_worker(concurrency=1, CELERY_BROKER_URL=private_redis.url)
        final = wait_for(
            lambda: _states(ids), lambda states: states[Submission.State.SENT] == BATCH, limit=60
        )

    assert before_restart[Submission.State.SENT] < BATCH, "the crash came after all the work"
    assert final == {Submission.State.SENT: BATCH}
    calls = emulator.requests_log(path=ADD_KYC)
    accepted = Counter(call["customer_id"] for call in calls if call["status"] == 200)
    assert accepted == {builders.customer_id(v): 1 for v in verifications}
    sent_events = Counter(
        AuditEvent.objects.filter(
            verification__in=verifications, action="submission_sent"
        ).values_list("verification_id", flat=True)
    )
    assert sent_events == {v.pk: 1 for v in verifications}
    # Whatever the sweeper queued again was still unsent: it never resends sent work.
    assert set(swept.submissions_queued + swept.submissions_put_back) <= set(ids)
