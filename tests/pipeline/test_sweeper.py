"""The sweeper: lost broker messages and killed workers lose nothing, and nothing is sent twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kyc.models import (
    BankAccount,
    CustomerState,
    ProviderCall,
    Status,
    Submission,
    Verification,
    WebhookEvent,
)
from kyc.providers.errors import TransientProviderError
from kyc.services.banks import bank_account_send
from kyc.services.customers import verification_create_customer
from kyc.services.submissions import submission_send
from kyc.services.sweeper import sweep_run
from kyc.webhooks.intake import webhook_receive
from kyc.webhooks.processing import webhook_process
from tests.support import builders
from tests.support.processes import Worker
from tests.support.waiting import wait_for

ADD_KYC = "/cms/api/v1/kyc/add-kyc-data"
QUEUED_AFTER = timedelta(seconds=900)  # the default KYC_SWEEP_QUEUED_AFTER
SENDING_AFTER = timedelta(seconds=600)  # the default KYC_SWEEP_SENDING_AFTER


def add_kyc_calls(emulator: Any, customer_id: str) -> list[dict[str, Any]]:
    return emulator.requests_log(path=ADD_KYC, customer_id=customer_id)


def state_of(submission: Submission) -> str:
    return Submission.objects.get(pk=submission.pk).state


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_submission_loses_nothing(
    emulator: Any, start_worker: Callable[..., Worker], settings: Any
) -> None:
    verification = builders.customer()
    customer_id = builders.customer_id(verification)
    # The provider holds the add-kyc-data call open, so the worker is in submission_send.
    emulator.config(fault_rate=1.0, fault_modes=["timeout"], fault_timeout_seconds=120)
    first = start_worker(DOLLARPE_TIMEOUT="60")
    submission = builders.queued_submission(verification)  # the task goes out on commit
    wait_for(lambda: add_kyc_calls(emulator, customer_id), bool)
    assert state_of(submission) == Submission.State.SENDING

    first.kill()  # kill -9, main process and pool: no acknowledgement, no cleanup
    emulator.config(fault_rate=0.0)
    start_worker()  # a fresh worker; the killed one's message is still unacknowledged
    assert state_of(submission) == Submission.State.SENDING

    settings.KYC_SWEEP_SENDING_AFTER = 0  # "long enough" is now
    report = sweep_run()
    assert report.submissions_put_back == [submission.pk]
    wait_for(lambda: state_of(submission), lambda state: state == Submission.State.SENT)

    calls = add_kyc_calls(emulator, customer_id)
    assert [call["fault"] for call in calls if call["status"] != 200] == ["timeout"]
    assert len([call for call in calls if call["status"] == 200]) == 1  # accepted exactly once
    assert Submission.objects.get(pk=submission.pk).attempts == 2
    put_back = verification.audit_events.get(action="submission_put_back")
    assert "sending since" in put_back.note
    assert Verification.objects.get(pk=verification.pk).status != Status.UNVERIFIED


@pytest.mark.django_db
def test_a_submission_whose_message_was_lost_is_sent_by_the_sweeper(
    emulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    verification = builders.customer()
    submission = builders.queued_submission(verification)  # its task never runs: lost
    assert sweep_run().submissions_queued == []  # not stuck yet
    with django_capture_on_commit_callbacks() as queued:
        report = sweep_run(now=submission.created_at + QUEUED_AFTER)
    assert report.submissions_queued == [submission.pk]
    assert len(queued) == 1
    assert submission_send(submission_id=submission.pk) == Submission.State.SENT
    assert len(add_kyc_calls(emulator, builders.customer_id(verification))) == 1


@pytest.mark.django_db
def test_a_submission_with_a_live_retry_chain_is_left_to_it(emulator: Any) -> None:
    """A provider call since it was queued means a task is still retrying it: no second chain."""
    verification = builders.customer()
    submission = builders.queued_submission(verification)
    emulator.config(fault_rate=1.0, fault_modes=["500"])
    with pytest.raises(TransientProviderError):
        submission_send(submission_id=submission.pk)  # what the task's retries do
    last_call = ProviderCall.objects.filter(verification=verification).latest("created_at")
    quiet = submission.created_at + (last_call.created_at - submission.created_at) / 2
    assert sweep_run(now=quiet + QUEUED_AFTER).submissions_queued == []
    later = last_call.created_at + QUEUED_AFTER
    assert sweep_run(now=later).submissions_queued == [submission.pk]


@pytest.mark.django_db
def test_a_sending_submission_is_put_back_only_when_stuck_and_only_once(
    emulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    verification = builders.customer()
    submission = builders.queued_submission(verification)
    # What submission_send's claim writes, by a worker that then died before calling out.
    since = timezone.now()
    Submission.objects.filter(pk=submission.pk).update(
        state=Submission.State.SENDING, sending_since=since, attempts=1
    )
    assert sweep_run(now=since + SENDING_AFTER - timedelta(seconds=1)).submissions_put_back == []
    with django_capture_on_commit_callbacks() as queued:
        assert sweep_run(now=since + SENDING_AFTER).submissions_put_back == [submission.pk]
    assert len(queued) == 1
    assert sweep_run(now=since + SENDING_AFTER).submissions_put_back == []  # already back
    assert state_of(submission) == Submission.State.QUEUED
    # The provider never got it: the second attempt asks, then sends it, once.
    assert submission_send(submission_id=submission.pk) == Submission.State.SENT
    assert len(add_kyc_calls(emulator, builders.customer_id(verification))) == 1


@pytest.mark.django_db
def test_a_put_back_submission_the_provider_already_has_is_not_sent_again(
    emulator: Any,
) -> None:
    """The worker died after the provider accepted, before it could write SENT."""
    emulator.config(auto_decision=False)
    verification = builders.customer()
    submission = builders.sent(builders.queued_submission(verification))
    since = timezone.now()
    Submission.objects.filter(pk=submission.pk).update(
        state=Submission.State.SENDING, sending_since=since
    )
    assert sweep_run(now=since + SENDING_AFTER).submissions_put_back == [submission.pk]
    assert submission_send(submission_id=submission.pk) == Submission.State.SENT
    assert len(add_kyc_calls(emulator, builders.customer_id(verification))) == 1


@pytest.mark.django_db
def test_a_bank_account_whose_message_was_lost_is_sent_by_the_sweeper(emulator: Any) -> None:
    verification = builders.processing()
    wait_for(
        lambda: emulator.customer(builders.customer_id(verification))["status"],
        lambda status: status == "VERIFIED",
    )
    verification.refresh_from_db()
    # What bank_account_add records before it sends (its send never happened).
    bank = BankAccount.objects.create(
        verification=verification, kind="vpa", vpa="asha.rao@okaxis", label="as•••@okaxis"
    )
    report = sweep_run(now=bank.created_at + QUEUED_AFTER)
    assert report.bank_accounts == [bank.pk]
    bank_account_send(bank_id=bank.pk)
    bank.refresh_from_db()
    assert bank.status != BankAccount.State.QUEUED
    assert bank.provider_bank_id


@pytest.mark.django_db
def test_a_customer_left_pending_is_created_by_the_sweeper(emulator: Any) -> None:
    verification = builders.saved_profile()  # saved; its create_customer task was lost
    report = sweep_run(now=verification.updated_at + QUEUED_AFTER)
    assert report.customers == [verification.pk]
    assert verification_create_customer(verification_id=verification.pk, attempt=2).created
    verification.refresh_from_db()
    assert verification.customer_state == CustomerState.CREATED
    later = verification.updated_at + QUEUED_AFTER * 2
    assert sweep_run(now=later).customers == []


@pytest.mark.django_db
def test_a_webhook_whose_processing_task_was_lost_is_processed(emulator: Any) -> None:
    body, headers = builders.signed_delivery("PAYIN", "payin-7", "SUCCESS")
    receipt = webhook_receive(provider="dollarpe", headers=headers, body=body, remote_addr=None)
    assert receipt.event_id is not None
    row = WebhookEvent.objects.get(pk=receipt.event_id)
    assert sweep_run(now=row.received_at + QUEUED_AFTER).webhooks == [row.pk]
    assert webhook_process(event_id=row.pk) == WebhookEvent.State.PROCESSED
    assert sweep_run(now=row.received_at + QUEUED_AFTER).webhooks == []
