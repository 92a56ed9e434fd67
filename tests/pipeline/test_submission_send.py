"""submission_send against the emulator: a submission reaches the provider at most once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from kyc.models import Status, Submission
from kyc.providers.errors import TransientProviderError
from kyc.services.submissions import submission_send
from tests.pipeline.conftest import LosingProxy
from tests.support import builders
from tests.support.waiting import wait_for

ADD_KYC = "/cms/api/v1/kyc/add-kyc-data"
HELD_TIMEOUT = 2  # s: how long our client waits for the answer the proxy holds back


def add_kyc_calls(emulator: Any, customer_id: str) -> list[dict[str, Any]]:
    return emulator.requests_log(path=ADD_KYC, customer_id=customer_id)


def accepted(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [call for call in calls if call["status"] == 200]


@pytest.mark.django_db
@pytest.mark.parametrize("drop", [False, True], ids=["timeout", "connection-dropped"])
def test_an_answer_lost_after_the_provider_accepted_is_never_sent_again(
    emulator: Any, losing_proxy: LosingProxy, drop: bool, settings: Any
) -> None:
    emulator.config(auto_decision=False)
    verification = builders.customer()
    submission = builders.queued_submission(verification)  # its task never runs here
    customer_id = builders.customer_id(verification)
    losing_proxy.lose(ADD_KYC, drop=drop)

    # Only the held answer is waited for briefly: a dropped connection needs no short
    # timeout, and with one a provider slowed by a loaded machine looked like a timeout too.
    default_timeout = settings.DOLLARPE_TIMEOUT
    settings.DOLLARPE_TIMEOUT = default_timeout if drop else HELD_TIMEOUT
    with pytest.raises(TransientProviderError):
        submission_send(submission_id=submission.pk)
    settings.DOLLARPE_TIMEOUT = default_timeout  # the retry's calls are answered
    submission.refresh_from_db()
    assert (submission.state, submission.attempts) == (Submission.State.QUEUED, 1)
    expected = "connection failed" if drop else f"timed out after {HELD_TIMEOUT} s"
    assert submission.last_error.startswith(expected)
    # The provider did accept it: only the answer was lost.
    wait_for(lambda: accepted(add_kyc_calls(emulator, customer_id)), bool)

    assert submission_send(submission_id=submission.pk) == Submission.State.SENT  # the retry
    assert len(add_kyc_calls(emulator, customer_id)) == 1
    submission.refresh_from_db()
    assert submission.attempts == 2
    verification.refresh_from_db()
    assert verification.status == Status.PROCESSING
    assert verification.audit_events.get(action="submission_sent").note.endswith(
        "the provider already had it"
    )


@pytest.mark.django_db
def test_a_submission_refused_by_the_provider_is_rejected_not_retried(emulator: Any) -> None:
    verification = builders.customer()
    submission = builders.queued_submission(verification, document_type="RATION_CARD")
    assert submission_send(submission_id=submission.pk) == Submission.State.REJECTED
    submission.refresh_from_db()
    assert "document_type" in submission.last_error
    assert submission_send(submission_id=submission.pk) == Submission.State.REJECTED
    assert len(add_kyc_calls(emulator, builders.customer_id(verification))) == 1


@pytest.mark.django_db
def test_a_provider_outage_leaves_it_queued_for_a_retry(emulator: Any) -> None:
    verification = builders.customer()
    submission = builders.queued_submission(verification)
    emulator.config(fault_rate=1.0, fault_modes=["500"])
    with pytest.raises(TransientProviderError):
        submission_send(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.state == Submission.State.QUEUED
    assert submission.sending_since is None
    emulator.config(fault_rate=0.0)
    assert submission_send(submission_id=submission.pk) == Submission.State.SENT
    assert len(accepted(add_kyc_calls(emulator, builders.customer_id(verification)))) == 1


@pytest.mark.django_db(transaction=True)
def test_many_senders_at_once_send_it_once(emulator: Any, celery_worker: Any) -> None:
    """Four threads and the worker's own task race for one submission."""
    verification = builders.customer()
    submission = builders.queued_submission(verification)
    start = threading.Barrier(4)
    results: list[str] = []

    def send() -> None:
        start.wait()
        try:
            results.append(submission_send(submission_id=submission.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).state,
        lambda state: state == Submission.State.SENT,
    )
    assert len(results) == 4
    assert set(results) <= {Submission.State.SENT, Submission.State.SENDING}
    assert len(add_kyc_calls(emulator, builders.customer_id(verification))) == 1
    assert Submission.objects.get(pk=submission.pk).attempts == 1
