"""A flaky provider: 500s, timeouts and reset connections on 30% of calls, real worker.

Every submission must still reach the provider exactly once: the emulator's own request
log shows one accepted add-kyc-data per customer, however many attempts it took.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from kyc.models import AuditEvent, Submission
from tests.support import builders
from tests.support.processes import Worker
from tests.support.waiting import wait_for

ADD_KYC = "/cms/api/v1/kyc/add-kyc-data"
BATCH = 40
FAULT_MODES = ["500", "timeout", "reset"]
# Seeded so a failing run replays: the first 40 draws of seed 6 hold each mode 4 times.
FAULT_SEED = 6
CLIENT_TIMEOUT = 1.0  # DOLLARPE_TIMEOUT of the worker


@pytest.mark.django_db(transaction=True)
def test_every_submission_is_accepted_exactly_once_by_a_flaky_provider(
    emulator: Any, start_worker: Callable[..., Worker]
) -> None:
    emulator.config(auto_decision=False)  # the customers stay PROCESSING: nothing else moves
    verifications = [builders.customer() for _ in range(BATCH)]  # before the faults
    submissions = [builders.queued_submission(v) for v in verifications]  # queued, no worker yet
    emulator.config(
        fault_rate=0.3,
        fault_modes=FAULT_MODES,
        fault_seed=FAULT_SEED,
        # A "timeout" answers (500) only after our client gave up on it.
        fault_timeout_seconds=CLIENT_TIMEOUT + 0.5,
    )
    start_worker(concurrency=2, DOLLARPE_TIMEOUT=str(CLIENT_TIMEOUT), KYC_RETRY_BACKOFF="1")

    ids = [s.pk for s in submissions]
    states = wait_for(
        lambda: Counter(Submission.objects.filter(pk__in=ids).values_list("state", flat=True)),
        lambda counts: counts[Submission.State.SENT] + counts[Submission.State.REJECTED] == BATCH,
        limit=100,
    )
    refused = Submission.objects.filter(pk__in=ids, state=Submission.State.REJECTED)
    assert states == {Submission.State.SENT: BATCH}, list(refused.values("pk", "last_error"))

    calls = emulator.requests_log(path=ADD_KYC)
    faults = Counter(call["fault"] for call in emulator.requests_log() if call["fault"])
    assert set(faults) == set(FAULT_MODES), faults  # each kind of fault really happened
    assert any(call["fault"] for call in calls)  # and to add-kyc-data itself
    accepted = Counter(call["customer_id"] for call in calls if call["status"] == 200)
    customers = {builders.customer_id(v) for v in verifications}
    assert accepted == dict.fromkeys(customers, 1)
    sent_events = Counter(
        AuditEvent.objects.filter(
            verification__in=verifications, action="submission_sent"
        ).values_list("verification_id", flat=True)
    )
    assert sent_events == {v.pk: 1 for v in verifications}
    retried = Submission.objects.filter(pk__in=ids, attempts__gt=1).count()
    assert retried > 0  # the retries did the work, not luck
