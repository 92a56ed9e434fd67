"""One drain task per burst of deliveries: the wake-up flag, its failures, and the drain.

Deliveries go through the real view (in-process) on a private queue that no worker
consumes, so what the intake published is read from the broker itself; the drain is
then run here, as the task runs it.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.test import Client

from kyc.models import Status, Verification, WebhookEvent
from kyc.webhooks import wakeups
from kyc.webhooks.processing import (
    TRANSIENT_LIMIT,
    webhook_process,
    webhooks_drain,
    webhooks_heartbeat,
)
from kyc.webhooks.views import webhook_path
from tests.settings import free_port
from tests.support import builders
from tests.support.broker import drop_messages, queued_tasks
from tests.support.database import CANCELED, verification_updates_refused
from tests.support.processes import private_queue, publishing_to
from tests.support.waiting import wait_for

WEBHOOK_PATH = webhook_path("dollarpe")

pytestmark = pytest.mark.django_db(transaction=True)
State = WebhookEvent.State
DRAIN = "kyc.tasks.drain_webhooks"


@pytest.fixture
def queue() -> Iterator[str]:
    with private_queue() as name:
        yield name
        wakeups.flush()  # nothing deferred leaks into the next test


def deliver(customer_id: str, event: str = "VERIFIED", **signing: Any) -> Any:
    body, headers = builders.signed_delivery("CUSTOMER", customer_id, event, **signing)
    return Client().post(WEBHOOK_PATH, data=body, content_type="application/json", headers=headers)


def published(queue: str) -> list[str]:
    wakeups.flush()  # the checks this process deferred, run now
    return queued_tasks(queue)


def unknown() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def quiet(emulator: Any) -> list[Verification]:
    """Two PROCESSING customers the emulator will not decide by itself."""
    emulator.config(auto_decision=False)
    return [builders.processing() for _ in range(2)]


def test_a_burst_of_deliveries_publishes_one_drain_that_applies_them_all(
    quiet: list[Verification], queue: str
) -> None:
    ids = [builders.customer_id(v) for v in quiet] + [unknown() for _ in range(6)]
    assert [deliver(customer).status_code for customer in ids] == [200] * 8
    assert published(queue) == [DRAIN]
    flag = wakeups.wake_flag(queue)
    assert cache.get(flag) is not None  # up until the drain starts

    webhooks_drain(flag=flag)  # what the drain task runs
    states = dict(WebhookEvent.objects.values_list("entity_id", "state"))
    assert states == {customer: State.PROCESSED for customer in ids[:2]} | {
        customer: State.UNMATCHED for customer in ids[2:]
    }
    assert {v.status for v in Verification.objects.filter(pk__in=[v.pk for v in quiet])} == {
        Status.VERIFIED
    }
    assert cache.get(flag) is None

    # After the drain cleared the flag, the next delivery publishes a drain of its own.
    drop_messages(queue)
    assert deliver(unknown()).status_code == 200
    assert published(queue) == [DRAIN]


def test_a_flag_left_by_a_lost_drain_expires_after_its_ttl(queue: str, settings: Any) -> None:
    # The second delivery must check while the first one's flag is still up: a few steps of
    # this process in between, which a loaded machine can stretch to seconds.
    settings.WEBHOOK_WAKE_TTL = 5
    first, second, third = unknown(), unknown(), unknown()
    assert deliver(first).status_code == 200
    assert published(queue) == [DRAIN]
    drop_messages(queue)  # the drain is lost (a broker restarted without its data)
    assert deliver(second).status_code == 200
    assert published(queue) == []  # the flag is still up: no drain for now
    wait_for(lambda: cache.get(wakeups.wake_flag(queue)), lambda value: value is None)
    assert deliver(third).status_code == 200
    assert published(queue) == [DRAIN]

    webhooks_drain(flag=wakeups.wake_flag(queue))
    rows = WebhookEvent.objects.filter(entity_id__in=[first, second, third])
    assert set(rows.values_list("state", flat=True)) == {State.UNMATCHED}
    assert rows.count() == 3


def test_the_heartbeat_wakes_a_drain_for_deliveries_left_queued(queue: str) -> None:
    assert webhooks_heartbeat() is False  # nothing queued: nothing published
    assert published(queue) == []
    customer = unknown()
    assert deliver(customer).status_code == 200
    drop_messages(queue)  # its drain is lost, and no other delivery comes
    assert webhooks_heartbeat() is False  # the flag is up: a drain may still be on its way
    cache.delete(wakeups.wake_flag(queue))  # the flag expired (WEBHOOK_WAKE_TTL)
    assert webhooks_heartbeat() is True
    assert published(queue) == [DRAIN]
    webhooks_drain(flag=wakeups.wake_flag(queue))
    assert WebhookEvent.objects.get(entity_id=customer).state == State.UNMATCHED


def test_a_drain_that_cannot_be_published_gives_503_and_the_redelivery_wakes_it(
    queue: str,
) -> None:
    customer, timestamp = unknown(), "2026-11-21T10:00:00Z"
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        response = deliver(customer, timestamp=timestamp)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    original = WebhookEvent.objects.get(entity_id=customer)
    assert original.state == State.QUEUED  # stored, waiting for the provider's retry
    assert cache.get(wakeups.wake_flag(queue)) is None  # taken back: the next one publishes

    # The provider delivers the same event again, the broker being back.
    assert deliver(customer, timestamp=timestamp).status_code == 200
    assert published(queue) == [DRAIN]
    webhooks_drain(flag=wakeups.wake_flag(queue))
    original.refresh_from_db()
    assert original.state == State.UNMATCHED
    assert WebhookEvent.objects.filter(entity_id=customer, state=State.DUPLICATE).count() == 1


def test_without_the_cache_every_check_publishes_a_drain(queue: str, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "onboarding.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    for count in (1, 2, 3):
        assert deliver(unknown()).status_code == 200
        # No flag to share: each check publishes (drains are idempotent), nothing is held.
        assert published(queue) == [DRAIN] * count


def test_a_lone_delivery_checks_the_flag_at_once(queue: str) -> None:
    assert deliver(unknown()).status_code == 200
    assert queued_tasks(queue) == [DRAIN]  # published before the answer, nothing deferred


def test_within_its_window_a_process_checks_the_flag_once(queue: str) -> None:
    coalescer = wakeups.Coalescer(window=60)
    assert coalescer.defer(queue) is False  # a quiet process: the caller checks now
    assert [coalescer.defer(queue) for _ in range(5)] == [True] * 5  # noted: one check due
    assert queued_tasks(queue) == []
    coalescer.flush()  # that one check, run now instead of at the window's end
    assert queued_tasks(queue) == [DRAIN]


def test_the_deferred_check_runs_by_itself_when_the_window_ends(queue: str) -> None:
    coalescer = wakeups.Coalescer(window=1.0)
    assert coalescer.defer(queue) is False
    assert coalescer.defer(queue) is True
    wait_for(lambda: queued_tasks(queue), lambda tasks: tasks == [DRAIN])


@pytest.fixture
def locked_elsewhere() -> Iterator[Any]:
    """Lock one webhook row from another connection, as a drain applying it would."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks")
    holding, release = threading.Event(), threading.Event()

    def hold(event_id: int) -> None:
        try:
            with transaction.atomic():
                WebhookEvent.objects.select_for_update().get(pk=event_id)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    threads: list[threading.Thread] = []

    def lock(event_id: int) -> None:
        threads.append(threading.Thread(target=hold, args=(event_id,)))
        threads[-1].start()
        assert holding.wait(10)

    yield lock
    release.set()
    for thread in threads:
        thread.join(10)


def test_a_drain_leaves_a_row_another_drain_holds_and_takes_the_rest(
    queue: str, locked_elsewhere: Any
) -> None:
    customers = [unknown() for _ in range(3)]
    for customer in customers:
        assert deliver(customer).status_code == 200
    held = WebhookEvent.objects.get(entity_id=customers[0])
    locked_elsewhere(held.pk)

    webhooks_drain()  # returns at once instead of waiting for the lock
    states = dict(WebhookEvent.objects.values_list("entity_id", "state"))
    assert states == {customers[0]: State.QUEUED} | dict.fromkeys(customers[1:], State.UNMATCHED)


def test_a_delivery_that_fails_does_not_stop_the_drain(
    quiet: list[Verification], queue: str
) -> None:
    refused, fine = quiet
    with verification_updates_refused(refused):
        for verification in quiet:
            assert deliver(builders.customer_id(verification)).status_code == 200
        webhooks_drain()
    failed = WebhookEvent.objects.get(entity_id=builders.customer_id(refused))
    assert failed.state == State.FAILED
    assert "the database refused this update" in failed.error
    applied = WebhookEvent.objects.get(entity_id=builders.customer_id(fine))
    assert applied.state == State.PROCESSED
    fine.refresh_from_db()
    assert fine.status == Status.VERIFIED


def test_a_transient_database_error_hands_the_row_to_its_own_retrying_task(
    quiet: list[Verification], queue: str
) -> None:
    hit = quiet[0]
    for verification in quiet:
        assert deliver(builders.customer_id(verification)).status_code == 200
    drop_messages(queue)
    with verification_updates_refused(hit, CANCELED):
        assert webhooks_drain() == 1  # the other delivery is applied all the same (and emailed)
    retried = [task for task in published(queue) if "webhook" in task]
    assert retried == ["kyc.tasks.process_webhook"]  # which retries with backoff
    row = WebhookEvent.objects.get(entity_id=builders.customer_id(hit))
    assert row.state == State.FAILED
    assert webhook_process(event_id=row.pk) == State.PROCESSED  # what that task runs
    assert {v.status for v in Verification.objects.filter(pk__in=[v.pk for v in quiet])} == {
        Status.VERIFIED
    }


def test_a_database_that_keeps_failing_stops_the_drain_for_its_task_to_retry(
    emulator: Any, queue: str
) -> None:
    emulator.config(auto_decision=False)
    with private_queue():  # what building them queues is not this test's business
        verifications = [builders.processing() for _ in range(TRANSIENT_LIMIT + 1)]
    for verification in verifications:
        assert deliver(builders.customer_id(verification)).status_code == 200
    drop_messages(queue)
    with contextlib.ExitStack() as stack:
        for verification in verifications:
            stack.enter_context(verification_updates_refused(verification, CANCELED))
        with pytest.raises(OperationalError):
            webhooks_drain()  # drain_webhooks retries on OperationalError (autoretry_for)
    # Each row it tried went to its own retrying task; the last one was never tried.
    assert published(queue) == ["kyc.tasks.process_webhook"] * TRANSIENT_LIMIT
    states = WebhookEvent.objects.order_by("pk").values_list("state", flat=True)
    assert list(states) == [State.FAILED] * TRANSIENT_LIMIT + [State.QUEUED]


def test_a_deferred_check_that_fails_is_tried_again_and_the_next_delivery_checks_itself(
    queue: str,
) -> None:
    coalescer = wakeups.Coalescer(window=60)
    assert coalescer.defer(queue) is False
    assert coalescer.defer(queue) is True  # its delivery was answered 200 already
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):  # the broker is away
        coalescer.flush()  # the deferred check fails
        assert coalescer.defer(queue) is False  # so the next delivery checks (its 503)
    assert cache.get(wakeups.wake_flag(queue)) is None  # taken back
    # The broker is back: the failed check runs again by itself.
    wait_for(lambda: queued_tasks(queue), lambda tasks: tasks == [DRAIN])
