"""Bank accounts reach the provider at most once, whatever dies or runs twice."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from kyc.models import AuditEvent, BankAccount, Status, Verification
from kyc.providers.errors import TransientProviderError
from kyc.providers.registry import get_provider
from kyc.services.banks import bank_account_add, bank_account_send, banking_provider
from kyc.services.polling import verification_refresh
from kyc.services.staff import staff_reset
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


@pytest.mark.django_db
def test_an_account_suspended_by_a_reset_can_be_added_again_once_verified_again(
    emulator: Any, django_user_model: Any
) -> None:
    verification = _verified(emulator)
    verification_refresh(verification_id=verification.pk)  # learnt as the poller would
    verification.refresh_from_db()
    first = bank_account_add(verification=verification, kind="vpa", vpa="asha.rao@okaxis")
    assert first.provider_bank_id
    officer = django_user_model.objects.create_user("officer-reset", is_staff=True)
    assert staff_reset(verification_id=verification.pk, actor=officer, note="Wrong person").done
    first.refresh_from_db()
    assert first.status == BankAccount.State.SUSPENDED
    # Verified again: the provider still lists the account under this customer.
    builders.sent(builders.queued_submission(verification))
    wait_for(
        lambda: emulator.customer(builders.customer_id(verification))["status"],
        lambda status: status == "VERIFIED",
    )
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED

    again = bank_account_add(verification=verification, kind="vpa", vpa="asha.rao@okaxis")

    first.refresh_from_db()
    assert again.provider_bank_id == first_id(emulator, verification)
    assert again.status in (BankAccount.State.PROCESSING, BankAccount.State.VERIFIED)
    assert (first.status, first.provider_bank_id) == (BankAccount.State.SUSPENDED, None)
    assert len(_creates(emulator, verification)) == 2  # refused as in use, then adopted
    assert AuditEvent.objects.filter(verification=verification, action="bank_readded").count() == 1


def first_id(emulator: Any, verification: Verification) -> str:
    listed = get_provider("dollarpe").client.list_bank_accounts(builders.customer_id(verification))  # type: ignore[attr-defined]
    assert listed.count == 1
    return str(listed.results[0].id)
