"""The webhook services in-process: what is queued after commit, what is applied, what is kept."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from kyc.models import AuditEvent, Status, Verification, WebhookEvent
from kyc.webhooks.intake import webhook_receive
from kyc.webhooks.processing import (
    WebhookReprocessRefused,
    webhook_process,
    webhook_reprocess,
)
from tests.support import builders

pytestmark = pytest.mark.django_db
State = WebhookEvent.State


def receive(body: bytes, headers: dict[str, str]) -> Any:
    return webhook_receive(provider="dollarpe", headers=headers, body=body, remote_addr="127.0.0.1")


@pytest.fixture
def quiet_customer(emulator: Any) -> Verification:
    """A PROCESSING customer the emulator will not decide by itself."""
    emulator.config(auto_decision=False)
    return builders.processing()


def test_a_redelivery_of_an_event_whose_task_was_lost_queues_the_original_again(
    quiet_customer: Verification, django_capture_on_commit_callbacks: Any
) -> None:
    body, headers = builders.signed_delivery(
        "CUSTOMER", builders.customer_id(quiet_customer), "VERIFIED"
    )
    with django_capture_on_commit_callbacks() as first_callbacks:
        first = receive(body, headers)
    # Its processing task never ran (a web process killed after commit, a broker hiccup).
    with django_capture_on_commit_callbacks() as again:
        second = receive(body, headers)
    assert (first.outcome, second.outcome) == ("queued", "requeued")
    assert len(first_callbacks) == len(again) == 1
    assert WebhookEvent.objects.get(pk=first.event_id).state == State.QUEUED
    assert WebhookEvent.objects.get(pk=second.event_id).state == State.DUPLICATE
    assert webhook_process(event_id=first.event_id) == State.PROCESSED


def test_processing_twice_applies_once_and_emails_after_commit(
    quiet_customer: Verification, django_capture_on_commit_callbacks: Any
) -> None:
    body, headers = builders.signed_delivery(
        "CUSTOMER", builders.customer_id(quiet_customer), "VERIFIED"
    )
    with django_capture_on_commit_callbacks():
        receipt = receive(body, headers)
    with django_capture_on_commit_callbacks() as emails:
        assert webhook_process(event_id=receipt.event_id) == State.PROCESSED
    assert len(emails) == 1  # the "verified" email, sent by a task once this commits
    with django_capture_on_commit_callbacks() as nothing:
        assert webhook_process(event_id=receipt.event_id) == State.PROCESSED
    assert nothing == []
    changes = AuditEvent.objects.filter(verification=quiet_customer, action="status_changed")
    assert changes.filter(to_status=Status.VERIFIED).count() == 1
    row = WebhookEvent.objects.get(pk=receipt.event_id)
    assert row.attempts == 1
    assert row.verification_id == quiet_customer.pk


def test_an_older_failure_never_overrides_a_newer_decision(quiet_customer: Verification) -> None:
    customer_id = builders.customer_id(quiet_customer)
    for event, metadata, timestamp in (
        ("VERIFIED", {}, None),
        ("FAILED", {"failure_reason": "TAX_VERIFICATION_FAILED"}, "2020-01-01T00:00:00Z"),
    ):
        receipt = receive(
            *builders.signed_delivery("CUSTOMER", customer_id, event, metadata, timestamp=timestamp)
        )
        webhook_process(event_id=receipt.event_id)
    quiet_customer.refresh_from_db()
    assert quiet_customer.status == Status.VERIFIED


def test_a_long_failure_reason_is_cut_to_fit(quiet_customer: Verification) -> None:
    reason = "X" * 300
    receipt = receive(
        *builders.signed_delivery(
            "CUSTOMER", builders.customer_id(quiet_customer), "FAILED", {"failure_reason": reason}
        )
    )
    assert webhook_process(event_id=receipt.event_id) == State.PROCESSED
    quiet_customer.refresh_from_db()
    assert (quiet_customer.status, quiet_customer.failure_reason) == (Status.FAILED, "other")
    assert quiet_customer.provider_reason == "X" * 255  # DollarPe's words, cut to fit


def test_an_unknown_status_is_kept_and_ignored(quiet_customer: Verification) -> None:
    receipt = receive(
        *builders.signed_delivery("CUSTOMER", builders.customer_id(quiet_customer), "SUSPENDED")
    )
    assert webhook_process(event_id=receipt.event_id) == State.PROCESSED
    assert (
        WebhookEvent.objects.get(pk=receipt.event_id).error == "ignored: unknown status 'SUSPENDED'"
    )
    quiet_customer.refresh_from_db()
    assert quiet_customer.status == Status.PROCESSING


def test_an_unknown_bank_account_is_kept_and_flagged() -> None:
    receipt = receive(*builders.signed_delivery("BANK", str(uuid.uuid4()), "VERIFIED"))
    assert webhook_process(event_id=receipt.event_id) == State.UNMATCHED
    assert WebhookEvent.objects.get(pk=receipt.event_id).error == (
        "no bank account has this provider bank id"
    )


def test_a_delivery_is_judged_by_when_it_arrived_not_when_it_is_processed(
    quiet_customer: Verification,
) -> None:
    """Staff may reprocess a delivery days later: it was fresh when it arrived."""
    an_hour_ago = int(time.time()) - 3600
    body, headers = builders.signed_delivery(
        "CUSTOMER", builders.customer_id(quiet_customer), "VERIFIED", signed_at=an_hour_ago
    )
    receipt = receive(body, headers)
    assert receipt.status_code == 401  # arriving now, an hour late: stale
    row = WebhookEvent.objects.create(
        provider="dollarpe",
        headers=WebhookEvent.objects.get(pk=receipt.event_id).headers,
        body=body.decode(),
        state=State.QUEUED,
        dedupe_key="received-an-hour-ago",
    )
    # As if it had arrived on time, an hour ago.
    WebhookEvent.objects.filter(pk=row.pk).update(received_at=row.received_at - timedelta(hours=1))
    assert webhook_process(event_id=row.pk) == State.PROCESSED
    quiet_customer.refresh_from_db()
    assert quiet_customer.status == Status.VERIFIED


def test_staff_cannot_reprocess_an_invalid_request() -> None:
    receipt = receive(b'{"type": "CUSTOMER"}', {"X-TIMESTAMP": "1", "X-SIGNATURE": "forged"})
    staff = get_user_model().objects.create_user(username="officer", is_staff=True)
    with pytest.raises(WebhookReprocessRefused, match="An invalid request is never processed"):
        webhook_reprocess(event_id=receipt.event_id, actor=staff)


def test_staff_cannot_reprocess_a_duplicate(quiet_customer: Verification) -> None:
    body, headers = builders.signed_delivery(
        "CUSTOMER", builders.customer_id(quiet_customer), "VERIFIED"
    )
    receive(body, headers)
    copy = receive(body, headers)
    staff = get_user_model().objects.create_user(username="officer", is_staff=True)
    with pytest.raises(WebhookReprocessRefused, match="reprocess the original"):
        webhook_reprocess(event_id=copy.event_id, actor=staff)


def test_staff_reprocess_of_an_unmatched_event_applies_it_once_the_customer_is_known(
    quiet_customer: Verification, django_capture_on_commit_callbacks: Any
) -> None:
    """The webhook beat our own record of the customer id (its create answer was slow)."""
    customer_id = builders.customer_id(quiet_customer)
    Verification.objects.filter(pk=quiet_customer.pk).update(provider_customer_id=None)
    receipt = receive(*builders.signed_delivery("CUSTOMER", customer_id, "VERIFIED"))
    assert webhook_process(event_id=receipt.event_id) == State.UNMATCHED
    Verification.objects.filter(pk=quiet_customer.pk).update(provider_customer_id=customer_id)

    staff = get_user_model().objects.create_user(username="officer", is_staff=True)
    with django_capture_on_commit_callbacks() as queued:
        webhook_reprocess(event_id=receipt.event_id, actor=staff)
    assert len(queued) == 1
    assert WebhookEvent.objects.get(pk=receipt.event_id).state == State.QUEUED
    assert webhook_process(event_id=receipt.event_id) == State.PROCESSED
    quiet_customer.refresh_from_db()
    assert quiet_customer.status == Status.VERIFIED
