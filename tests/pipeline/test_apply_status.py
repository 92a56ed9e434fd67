"""verification_apply_status: the one place a status moves, and its ordering rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kyc.models import AuditEvent, FailureReason, Status, Verification
from kyc.providers.interface import Action, Outcome, Question
from kyc.services.status import verification_apply_outcome, verification_apply_status
from tests.support import builders

pytestmark = pytest.mark.django_db


def apply(verification: Verification, status: str, **kwargs: Any) -> Any:
    kwargs.setdefault("source", AuditEvent.Source.PROVIDER)
    return verification_apply_status(verification_id=verification.pk, status=status, **kwargs)


def current(verification: Verification) -> tuple[str, str]:
    verification.refresh_from_db()
    return verification.status, verification.failure_reason


@pytest.fixture
def processing() -> Verification:
    verification = builders.saved_profile()
    assert apply(verification, Status.PROCESSING).applied
    return verification


def test_a_decision_is_applied_with_an_audit_entry_and_an_email_after_commit(
    processing: Verification, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as emails:
        change = apply(
            processing,
            Status.FAILED,
            failure_reason=FailureReason.TAX_NUMBER,
            provider_reason="TAX_VERIFICATION_FAILED",
        )
    assert change.applied
    assert current(processing) == (Status.FAILED, FailureReason.TAX_NUMBER)
    assert processing.provider_reason == "TAX_VERIFICATION_FAILED"  # the provider's words, kept
    assert processing.decided_at is not None
    audit = processing.audit_events.get(action="status_changed", to_status=Status.FAILED)
    assert (audit.from_status, audit.source) == (Status.PROCESSING, AuditEvent.Source.PROVIDER)
    assert len(emails) == 1


def test_verified_is_never_downgraded_a_newer_report_is_flagged_for_staff(
    processing: Verification,
) -> None:
    assert apply(processing, Status.VERIFIED).applied
    for status in (Status.FAILED, Status.PROCESSING, Status.PROCESSING):
        change = apply(processing, status, failure_reason=FailureReason.OTHER)
        assert not change.applied
    assert change.reason == "already flagged for staff"  # the same report again: no new entry
    assert current(processing) == (Status.VERIFIED, "")
    assert (processing.provider_downgrade or {}).get("status") == Status.PROCESSING
    reported = processing.audit_events.filter(action="downgrade_reported")
    assert list(reported.order_by("pk").values_list("to_status", flat=True)) == [
        Status.FAILED,
        Status.PROCESSING,
    ]
    assert not processing.audit_events.filter(action="status_ignored").exists()


def test_a_report_older_than_the_decision_is_ignored_not_flagged(processing: Verification) -> None:
    assert apply(processing, Status.VERIFIED).applied
    an_hour_ago = timezone.now() - timedelta(hours=1)
    change = apply(processing, Status.UNVERIFIED, occurred_at=an_hour_ago)
    assert (change.applied, change.reason) == (False, "the event is older than the current status")
    assert current(processing) == (Status.VERIFIED, "")
    assert processing.provider_downgrade is None
    assert processing.audit_events.filter(action="status_ignored").count() == 1


def test_the_provider_verifying_again_later_withdraws_the_flag(processing: Verification) -> None:
    assert apply(processing, Status.VERIFIED).applied
    flagged_at = timezone.now()
    assert apply(processing, Status.UNVERIFIED, occurred_at=flagged_at).reason.startswith("flagged")
    # An older VERIFIED (delivered late) leaves the flag; a newer one takes it away.
    apply(processing, Status.VERIFIED, occurred_at=flagged_at - timedelta(seconds=1))
    processing.refresh_from_db()
    assert processing.provider_downgrade is not None
    apply(processing, Status.VERIFIED, occurred_at=flagged_at + timedelta(seconds=1))
    processing.refresh_from_db()
    assert processing.provider_downgrade is None
    assert processing.audit_events.filter(action="downgrade_withdrawn").count() == 1


def test_an_event_older_than_the_current_status_is_ignored(processing: Verification) -> None:
    assert apply(processing, Status.FAILED, failure_reason=FailureReason.IDENTITY_DOCUMENT).applied
    an_hour_ago = timezone.now() - timedelta(hours=1)
    change = apply(processing, Status.VERIFIED, occurred_at=an_hour_ago)
    assert (change.applied, change.reason) == (False, "the event is older than the current status")
    assert current(processing) == (Status.FAILED, FailureReason.IDENTITY_DOCUMENT)


def test_a_newer_event_moves_a_failure_on(processing: Verification) -> None:
    assert apply(processing, Status.FAILED, failure_reason=FailureReason.TAX_NUMBER).applied
    assert apply(processing, Status.VERIFIED, occurred_at=timezone.now()).applied
    assert current(processing) == (Status.VERIFIED, "")


def test_provider_and_server_clocks_may_differ_a_little(processing: Verification) -> None:
    slightly_behind = timezone.now() - timedelta(seconds=3)
    assert apply(processing, Status.VERIFIED, occurred_at=slightly_behind).applied


def test_the_same_status_twice_is_applied_once_and_audited_once(processing: Verification) -> None:
    assert apply(processing, Status.VERIFIED).applied
    change = apply(processing, Status.VERIFIED)
    assert (change.applied, change.reason) == (False, "already in this status")
    assert processing.audit_events.filter(to_status=Status.VERIFIED).count() == 1
    assert not processing.audit_events.filter(action="status_ignored").exists()


def test_only_a_reset_makes_a_customer_unverified(processing: Verification) -> None:
    change = apply(processing, Status.UNVERIFIED)
    assert (change.applied, change.reason) == (False, "only a reset makes a customer unverified")
    assert current(processing) == (Status.PROCESSING, "")


def test_a_failure_reason_only_goes_with_failed(processing: Verification) -> None:
    assert apply(
        processing,
        Status.VERIFIED,
        failure_reason=FailureReason.TAX_NUMBER,
        provider_reason="TAX_VERIFICATION_FAILED",
    ).applied
    assert current(processing) == (Status.VERIFIED, "")
    assert processing.provider_reason == ""


def test_a_failure_without_a_reason_is_other(processing: Verification) -> None:
    assert apply(processing, Status.FAILED).applied
    assert current(processing) == (Status.FAILED, FailureReason.OTHER)


def test_an_older_revision_never_overrides_a_newer_one(processing: Verification) -> None:
    """Providers that give no event time order what they report by a revision number."""
    assert apply(processing, Status.FAILED, failure_reason=FailureReason.SELFIE, revision=7).applied
    change = apply(processing, Status.VERIFIED, revision=6)
    assert (change.applied, change.reason) == (
        False,
        "the event is older than the current status (an older revision)",
    )
    assert current(processing) == (Status.FAILED, FailureReason.SELFIE)
    assert apply(processing, Status.VERIFIED, revision=8).applied
    processing.refresh_from_db()
    assert (processing.status, processing.provider_revision) == (Status.VERIFIED, 8)


def test_waiting_for_the_applicant_keeps_what_they_must_do(processing: Verification) -> None:
    action = Action(
        kind="challenge",
        questions=(Question("q1", "Which street did you live on?", ("Elm", "Oak")),),
    )
    outcome = Outcome(status=Status.ACTION_REQUIRED, provider_status="UNVERIFIED", action=action)
    assert verification_apply_outcome(
        verification_id=processing.pk, outcome=outcome, source="provider"
    ).applied
    processing.refresh_from_db()
    assert processing.status == Status.ACTION_REQUIRED
    assert processing.action == {
        "kind": "challenge",
        "url": "",
        "expires_at": None,
        "questions": [
            {"key": "q1", "prompt": "Which street did you live on?", "options": ["Elm", "Oak"]}
        ],
    }
    assert apply(processing, Status.PROCESSING).applied
    processing.refresh_from_db()
    assert processing.action is None  # kept only while waiting
