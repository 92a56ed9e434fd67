"""The polling fallback: lost webhooks healed, each customer asked at most once per interval."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from kyc.models import AuditEvent, BankAccount, Status, Verification, WebhookEvent
from kyc.services.banks import bank_account_add
from kyc.services.polling import processing_poll, verification_poll
from kyc.tasks import poll_processing
from tests.support import builders
from tests.support.waiting import wait_for

GET_CUSTOMER = "/cms/api/v1/customer/"


def status_of(verification: Verification) -> str:
    return Verification.objects.get(pk=verification.pk).status


def customer_gets(emulator: Any, customer_id: str) -> int:
    return len(emulator.requests_log(path=GET_CUSTOMER + customer_id))


def checks(plan: Any) -> list[int]:
    return [verification_id for verification_id, _ in plan.checks]


@pytest.mark.django_db(transaction=True)
def test_a_missed_webhook_is_healed_by_polling(
    emulator: Any, hook_url: str, celery_worker: Any, settings: Any
) -> None:
    emulator.config(hold_webhooks=True)  # the decision's webhook never arrives (yet)
    verification = builders.processing()
    customer_id = builders.customer_id(verification)
    wait_for(lambda: emulator.customer(customer_id)["status"], lambda s: s == "VERIFIED")
    assert status_of(verification) == Status.PROCESSING

    settings.KYC_POLL_AFTER = 0  # no news for "long enough": now
    assert poll_processing() == 1  # the beat task's body, run here; the check runs in the worker
    wait_for(lambda: status_of(verification), lambda status: status == Status.VERIFIED)
    change = verification.audit_events.get(action="status_changed", to_status=Status.VERIFIED)
    assert change.note == "status fetched from the provider"
    assert change.source == AuditEvent.Source.SYSTEM

    # The late webhook arrives after all: kept, processed, applied no second time.
    emulator.release()
    wait_for(
        lambda: WebhookEvent.objects.filter(
            entity_id=customer_id, state=WebhookEvent.State.PROCESSED
        ).count(),
        lambda count: count == 1,
    )
    assert verification.audit_events.filter(to_status=Status.VERIFIED).count() == 1


@pytest.mark.django_db
def test_a_customer_is_polled_at_most_once_per_interval(emulator: Any, settings: Any) -> None:
    emulator.config(auto_decision=False)
    verification = builders.processing()
    settings.KYC_POLL_AFTER = 0
    now = timezone.now()
    assert checks(processing_poll(now=now)) == [verification.pk]
    assert checks(processing_poll(now=now + timedelta(seconds=59))) == []
    assert checks(processing_poll(now=now + timedelta(seconds=60))) == [verification.pk]


@pytest.mark.django_db
def test_only_customers_without_news_for_a_while_are_polled(emulator: Any, settings: Any) -> None:
    emulator.config(auto_decision=False)
    verification = builders.processing()
    verification.refresh_from_db()
    settings.KYC_POLL_AFTER = 120
    changed = verification.status_changed_at
    assert checks(processing_poll(now=changed + timedelta(seconds=119))) == []
    assert checks(processing_poll(now=changed + timedelta(seconds=121))) == [verification.pk]
    assert builders.customer().pk not in checks(processing_poll(now=changed + timedelta(hours=1)))


@pytest.mark.django_db
def test_checks_are_spread_over_one_round(emulator: Any, settings: Any) -> None:
    emulator.config(auto_decision=False)
    settings.KYC_POLL_AFTER = 0
    settings.KYC_POLL_EVERY = 30
    for _ in range(3):
        builders.processing()
    plan = processing_poll()
    assert [countdown for _, countdown in plan.checks] == [0.0, 10.0, 20.0]


@pytest.mark.django_db(transaction=True)
def test_two_rounds_at_the_same_moment_check_each_customer_once(
    emulator: Any, celery_worker: Any, settings: Any
) -> None:
    emulator.config(auto_decision=False)
    verifications = {builders.processing().pk for _ in range(4)}
    settings.KYC_POLL_AFTER = 0
    settings.KYC_POLL_EVERY = 1  # the checks are spread over one second
    now = timezone.now()
    start = threading.Barrier(4)
    claimed: list[int] = []

    def round_() -> None:
        start.wait()
        try:
            claimed.extend(checks(processing_poll(now=now)))
        finally:
            connection.close()

    threads = [threading.Thread(target=round_) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(verifications)  # each one claimed by exactly one round
    customer_ids = [builders.customer_id(Verification.objects.get(pk=pk)) for pk in verifications]
    wait_for(  # the worker ran every check...
        lambda: [customer_gets(emulator, customer_id) for customer_id in customer_ids],
        lambda counts: all(counts),
    )
    for customer_id in customer_ids:  # ...exactly once
        assert customer_gets(emulator, customer_id) == 1


@pytest.mark.django_db
def test_a_provider_outage_during_a_check_waits_for_the_next_round(emulator: Any) -> None:
    emulator.config(auto_decision=False)
    verification = builders.processing()
    emulator.config(fault_rate=1.0, fault_modes=["500"])
    assert "provider error (transient)" in verification_poll(verification_id=verification.pk)
    assert status_of(verification) == Status.PROCESSING


@pytest.mark.django_db
def test_a_missed_bank_webhook_is_healed_by_polling(emulator: Any, settings: Any) -> None:
    emulator.config(hold_webhooks=True)  # no decision's webhook arrives
    verification = builders.processing()
    customer_id = builders.customer_id(verification)
    wait_for(lambda: emulator.customer(customer_id)["status"], lambda s: s == "VERIFIED")
    assert verification_poll(verification_id=verification.pk) == "kyc: applied"
    verification.refresh_from_db()
    bank = bank_account_add(verification=verification, kind="vpa", vpa="asha.rao@okaxis")
    assert bank.status == BankAccount.State.PROCESSING
    wait_for(
        lambda: emulator.customer(customer_id)["banks"][0]["status"], lambda s: s == "VERIFIED"
    )

    settings.KYC_POLL_AFTER = 0
    plan = processing_poll(now=timezone.now() + timedelta(minutes=5))
    assert checks(plan) == [verification.pk]
    assert verification_poll(verification_id=verification.pk) == f"bank {bank.pk}: applied"
    bank.refresh_from_db()
    assert bank.status == BankAccount.State.VERIFIED
    change = verification.audit_events.get(action="bank_status_changed")
    assert change.source == AuditEvent.Source.SYSTEM
