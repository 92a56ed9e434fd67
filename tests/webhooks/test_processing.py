"""Deliveries from the emulator to the live server, processed by the real Celery worker."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model

from kyc.models import AuditEvent, BankAccount, Status, Verification, WebhookEvent
from kyc.providers.dollarpe.client import DollarPeClient
from kyc.services.banks import bank_account_add
from kyc.webhooks.processing import webhook_reprocess
from tests.support import builders
from tests.support.database import verification_updates_refused
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
State = WebhookEvent.State
SETTLED = (State.PROCESSED, State.UNMATCHED, State.FAILED)


def settled(row_filter: dict[str, Any], count: int = 1) -> list[WebhookEvent]:
    """Wait until `count` stored deliveries matching the filter are past processing."""
    return wait_for(
        lambda: list(WebhookEvent.objects.filter(state__in=SETTLED, **row_filter)),
        lambda rows: len(rows) >= count,
    )


def status_changes(verification: Verification, to: str) -> int:
    return verification.audit_events.filter(action="status_changed", to_status=to).count()


def verified(emulator: Any) -> Verification:
    """A customer the emulator verified, the news brought by its webhook."""
    verification = builders.processing()
    wait_for(
        lambda: Verification.objects.get(pk=verification.pk).status,
        lambda status: status == Status.VERIFIED,
    )
    verification.refresh_from_db()
    return verification


def test_a_decision_arrives_by_webhook_and_is_applied_once(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    verification = verified(emulator)
    (row,) = settled({"entity_id": builders.customer_id(verification)})
    assert row.state == State.PROCESSED
    assert row.verification_id == verification.pk
    assert row.processed_at is not None
    change = verification.audit_events.get(action="status_changed", to_status=Status.VERIFIED)
    assert change.source == AuditEvent.Source.PROVIDER
    assert change.note == f"webhook delivery {row.pk}"


def test_failed_arriving_after_verified_never_downgrades_but_is_flagged_for_staff(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    """Signed and newer than our decision: the provider moved on, so staff must see it."""
    verification = verified(emulator)
    emulator.send_webhook(
        "CUSTOMER",
        builders.customer_id(verification),
        "FAILED",
        {"failure_reason": "TAX_VERIFICATION_FAILED"},
    )
    rows = settled({"entity_id": builders.customer_id(verification), "event": "FAILED"})
    assert rows[0].state == State.PROCESSED
    assert "flagged for staff" in rows[0].error
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert verification.failure_reason == ""
    assert verification.provider_downgrade is not None
    assert verification.provider_downgrade["status"] == Status.FAILED
    flagged = verification.audit_events.get(action="downgrade_reported")
    assert (flagged.from_status, flagged.to_status) == (Status.VERIFIED, Status.FAILED)
    assert "TAX_VERIFICATION_FAILED" in flagged.note


def test_an_old_event_delivered_after_verified_is_only_ignored(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    """Out of order: it happened before the decision, so it says nothing new."""
    verification = verified(emulator)
    before = verification.status_changed_at - timedelta(minutes=10)
    emulator.send_webhook(
        "CUSTOMER",
        builders.customer_id(verification),
        "PROCESSING",
        timestamp=before.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    rows = settled({"entity_id": builders.customer_id(verification), "event": "PROCESSING"})
    assert "older than the current status" in rows[0].error
    verification.refresh_from_db()
    assert (verification.status, verification.provider_downgrade) == (Status.VERIFIED, None)
    ignored = verification.audit_events.get(action="status_ignored")
    assert (ignored.from_status, ignored.to_status) == (Status.VERIFIED, Status.PROCESSING)


def test_over_http_a_stale_delivery_is_refused_and_kept(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    customer_id = str(uuid.uuid4())
    delivery = emulator.send_webhook(
        "CUSTOMER", customer_id, "VERIFIED", signed_at=int(time.time()) - 3600
    )
    assert delivery["attempts"][0]["status_code"] == 401
    row = WebhookEvent.objects.get()
    assert row.state == State.INVALID
    assert customer_id in row.body


def test_over_http_a_delivery_signed_with_another_secret_is_refused(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    """Another organisation's webhooks, pointed at our URL: signed, but not by our secret."""
    other = DollarPeClient(
        base_url=settings.DOLLARPE_BASE_URL, api_key="other-org", api_secret="other-secret"
    )
    other.register_webhook(hook_url)
    delivery = emulator.send_webhook("CUSTOMER", str(uuid.uuid4()), "VERIFIED", org="other-org")
    assert delivery["attempts"][0]["status_code"] == 401
    assert WebhookEvent.objects.get().error == "X-SIGNATURE does not match"


def test_an_event_for_an_unknown_customer_is_kept_and_flagged(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    stranger = str(uuid.uuid4())
    delivery = emulator.send_webhook("CUSTOMER", stranger, "VERIFIED")
    assert delivery["attempts"][0]["status_code"] == 200  # the provider is not asked to retry
    (row,) = settled({"entity_id": stranger})
    assert row.state == State.UNMATCHED
    assert row.error == "no verification has this provider customer id"
    assert row.verification_id is None


def test_payin_events_are_kept_and_ignored_with_a_note(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    emulator.send_webhook("PAYIN", "payin-1", "SUCCESS")
    (row,) = settled({"entity_id": "payin-1"})
    assert row.state == State.PROCESSED
    assert row.error == "ignored: PAYIN events are not used"


def test_a_bank_decision_arrives_by_webhook(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    verification = verified(emulator)
    bank = bank_account_add(
        verification=verification, kind="account", account_number="123456789012", ifsc="HDFC0001234"
    )
    assert bank.status == BankAccount.State.PROCESSING
    (row,) = settled({"entity_id": bank.provider_bank_id})
    assert (row.event_type, row.state) == ("BANK", State.PROCESSED)
    bank.refresh_from_db()
    assert bank.status == BankAccount.State.VERIFIED
    change = verification.audit_events.get(action="bank_status_changed")
    assert change.source == AuditEvent.Source.PROVIDER


def test_identical_deliveries_at_the_same_moment_are_applied_once(
    live_server: Any, emulator: Any, celery_worker: Any
) -> None:
    emulator.config(auto_decision=False)
    verification = builders.processing()
    body, headers = builders.signed_delivery(
        "CUSTOMER", builders.customer_id(verification), "VERIFIED"
    )
    url = live_server.url + "/webhooks/dollarpe/"
    copies = 8
    start = threading.Barrier(copies)
    answers: list[int] = []

    def deliver() -> None:
        with requests.Session() as session:
            prepared = session.prepare_request(
                requests.Request("POST", url, data=body, headers=headers)
            )
            start.wait()  # every copy leaves at the same moment
            answers.append(session.send(prepared, timeout=30).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * copies
    rows = WebhookEvent.objects.filter(entity_id=builders.customer_id(verification))
    assert rows.count() == copies
    holder = rows.get(dedupe_key__isnull=False)
    assert set(rows.exclude(pk=holder.pk).values_list("state", flat=True)) == {State.DUPLICATE}
    wait_for(lambda: WebhookEvent.objects.get(pk=holder.pk).state, lambda s: s in SETTLED)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert status_changes(verification, Status.VERIFIED) == 1


def _first_processing_fails(emulator: Any, timestamp: str) -> tuple[Verification, WebhookEvent]:
    emulator.config(auto_decision=False)
    verification = builders.processing()
    customer_id = builders.customer_id(verification)
    with verification_updates_refused(verification):
        emulator.send_webhook("CUSTOMER", customer_id, "VERIFIED", timestamp=timestamp)
        (row,) = settled({"entity_id": customer_id})
    assert row.state == State.FAILED
    assert "the database refused this update" in row.error
    assert row.attempts == 1
    verification.refresh_from_db()
    assert verification.status == Status.PROCESSING
    return verification, row


def test_a_redelivery_after_failed_processing_is_processed_again(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    timestamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    verification, first = _first_processing_fails(emulator, timestamp)
    customer_id = builders.customer_id(verification)
    # The provider delivers the same event again (same envelope, fresh X-TIMESTAMP).
    emulator.send_webhook("CUSTOMER", customer_id, "VERIFIED", timestamp=timestamp)
    wait_for(lambda: WebhookEvent.objects.get(pk=first.pk).state, lambda s: s == State.PROCESSED)
    copy = WebhookEvent.objects.exclude(pk=first.pk).get(entity_id=customer_id)
    assert copy.state == State.DUPLICATE
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert status_changes(verification, Status.VERIFIED) == 1


def test_staff_reprocess_a_failed_delivery(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    timestamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    verification, row = _first_processing_fails(emulator, timestamp)
    staff = get_user_model().objects.create_user(username="officer", is_staff=True)
    webhook_reprocess(event_id=row.pk, actor=staff)
    wait_for(lambda: WebhookEvent.objects.get(pk=row.pk).state, lambda s: s == State.PROCESSED)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    audit = verification.audit_events.get(action="webhook_reprocess")
    assert (audit.source, audit.actor_id) == (AuditEvent.Source.STAFF, staff.pk)
