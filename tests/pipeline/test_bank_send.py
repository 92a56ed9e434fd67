"""Bank accounts reach the provider at most once, whatever dies or runs twice."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from kyc.models import BankAccount, Verification
from kyc.providers.errors import TransientProviderError
from kyc.providers.registry import get_provider
from kyc.services.banks import bank_account_send, banking_provider
from kyc.services.sweeper import sweep_run
from tests.support import builders
from tests.support.waiting import wait_for

BANK_CREATE = "/cms/api/v1/bank/create"


def _verified(emulator: Any) -> Verification:
    verification = builders.processing()
    wait_for(
        lambda: emulator.customer(builders.customer_id(verification))["status"],
        lambda status: status == "VERIFIED",
    )
    verification.refresh_from_db()
    return verification


def _queued_vpa(verification: Verification, vpa: str = "asha.rao@okaxis") -> BankAccount:
    return BankAccount.objects.create(
        verification=verification, kind="vpa", vpa=vpa, label="as•••@okaxis"
    )


def _creates(emulator: Any, verification: Verification) -> list[dict[str, Any]]:
    customer = builders.customer_id(verification)
    return [r for r in emulator.requests_log(path=BANK_CREATE) if r.get("customer_id") == customer]


@pytest.mark.django_db
def test_an_attempt_lost_after_the_provider_added_it_is_adopted(emulator: Any) -> None:
    verification = _verified(emulator)
    bank = _queued_vpa(verification)
    # A worker claimed it, reached the provider, and died before it could record the answer.
    BankAccount.objects.filter(pk=bank.pk).update(status=BankAccount.State.SENDING)
    banking = banking_provider("dollarpe")
    assert banking is not None
    added = banking.add_bank_account(bank)
    bank.refresh_from_db()
    report = sweep_run(now=bank.status_changed_at + timedelta(hours=1))
    assert report.bank_accounts_put_back == [bank.pk]
    bank_account_send(bank_id=bank.pk, attempt=2)
    bank.refresh_from_db()
    assert bank.provider_bank_id == added.provider_bank_id
    assert bank.status in (BankAccount.State.PROCESSING, BankAccount.State.VERIFIED)
    listed = get_provider("dollarpe").client.list_bank_accounts(builders.customer_id(verification))  # type: ignore[attr-defined]
    assert listed.count == 1  # adopted, not added a second time


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_call_the_provider_once(emulator: Any) -> None:
    verification = _verified(emulator)
    bank = _queued_vpa(verification, "asha.two@okaxis")
    results: list[str] = []

    def send() -> None:
        try:
            results.append(bank_account_send(bank_id=bank.pk, attempt=2))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(_creates(emulator, verification)) == 1
    assert len(results) == 4


@pytest.mark.django_db
def test_a_transient_failure_from_the_task_goes_back_to_the_queue_and_raises(emulator: Any) -> None:
    verification = _verified(emulator)
    bank = _queued_vpa(verification, "asha.three@okaxis")
    emulator.config(fault_rate=1.0, fault_modes=["500"])
    with pytest.raises(TransientProviderError):
        bank_account_send(bank_id=bank.pk, attempt=2)
    bank.refresh_from_db()
    assert bank.status == BankAccount.State.QUEUED
    emulator.config(fault_rate=0.0)
    assert bank_account_send(bank_id=bank.pk, attempt=2) in ("PROCESSING", "VERIFIED")
