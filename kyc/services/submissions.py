"""KYC submissions: queued by a view or staff, sent by a task, never sent twice.

The state machine QUEUED -> SENDING -> SENT | REJECTED is moved only by
compare-and-set. A SENDING row whose worker died is put back by the sweeper; before
any retry the provider is asked whether the earlier attempt got through, and if it
did the submission is marked SENT without calling again.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kyc import jobs
from kyc.models import CustomerState, Status, Submission, Verification
from kyc.providers.errors import (
    AlreadySubmittedError,
    PermanentProviderError,
    TransientProviderError,
)
from kyc.providers.interface import DocumentUnavailable, Outcome, Provider
from kyc.providers.registry import CallLog, get_provider
from kyc.services.audit import audit_record
from kyc.services.corrections import UPDATE_KINDS, fix_kind
from kyc.services.documents import SubmissionDocuments
from kyc.services.duplicates import duplicates_index
from kyc.services.notify import email_after_commit
from kyc.services.status import verification_apply_outcome

ACTIVE = (Submission.State.QUEUED, Submission.State.SENDING)


class SubmissionRefused(Exception):
    """The submission cannot be made now (wrong status, no attempt left, one in flight)."""


def _check_allowed(verification: Verification, kind: str, *, staff: bool) -> None:
    deferred = verification.customer_state == CustomerState.DEFERRED
    if not verification.provider_customer_id and not deferred:
        raise SubmissionRefused("the customer does not exist at the provider yet")
    if verification.submissions.filter(state__in=ACTIVE).exists():
        raise SubmissionRefused("a submission is already on its way")
    if kind == Submission.Kind.INITIAL:
        if verification.status != Status.UNVERIFIED:
            raise SubmissionRefused("KYC was already submitted")
        return
    if verification.status != Status.FAILED:
        raise SubmissionRefused("only a failed verification can be corrected")
    if verification.corrections_left == 0:
        raise SubmissionRefused("no correction attempt is left")
    expected = UPDATE_KINDS.get(fix_kind(verification))
    if expected != kind and not staff:
        raise SubmissionRefused("this correction does not fix the reported failure")


def submission_allowed(verification: Verification, kind: str, *, staff: bool = False) -> bool:
    """Whether submission_create would take a submission of `kind` now (the admin's buttons)."""
    try:
        _check_allowed(verification, kind, staff=staff)
    except SubmissionRefused:
        return False
    return True


def submission_create(
    *, verification: Verification, kind: str, data: dict[str, Any], actor: Any, source: str = "user"
) -> Submission:
    with transaction.atomic():
        locked = Verification.objects.select_for_update().get(pk=verification.pk)
        _check_allowed(locked, kind, staff=source == "staff")
        submission = Submission.objects.create(
            verification=locked,
            kind=kind,
            data=data,
            created_by=actor if source == "staff" else None,
        )
        if kind == Submission.Kind.INITIAL:
            Verification.objects.filter(pk=locked.pk).update(submitted_at=timezone.now())
        audit_record(
            verification=locked,
            action="submission_queued",
            source=source,
            actor=actor,
            from_status=locked.status,
            note=submission.get_kind_display(),
        )
        duplicates_index(verification_id=locked.pk)
        jobs.after_commit(jobs.SEND_SUBMISSION, {"submission_id": submission.pk})
    return submission


def submission_send(*, submission_id: int) -> str:
    """Send one submission; return what happened. Raises TransientProviderError to retry."""
    claimed = Submission.objects.filter(pk=submission_id, state=Submission.State.QUEUED).update(
        state=Submission.State.SENDING, sending_since=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return Submission.objects.get(pk=submission_id).state  # sent, refused, or in flight
    submission = Submission.objects.select_related("verification__user").get(pk=submission_id)
    # The provider calls are stored with the outcome, in its transaction.
    calls = CallLog(submission.verification_id)
    try:
        return _send(submission, calls)
    finally:
        calls.write()  # those of an outcome that was not recorded (an error, a retry)


def _send(submission: Submission, calls: CallLog) -> str:
    provider = get_provider(submission.verification.provider, calls=calls)
    # A retry asks first whether the last attempt went through, unless sending again is
    # itself safe (the provider replays an idempotent request instead of doing it twice).
    resend = provider.capabilities.idempotent_submit
    if submission.attempts > 1 and not resend and _went_through(provider, submission):
        return _sent(submission, calls, "the provider already had it")
    try:
        outcome = provider.submit(submission, SubmissionDocuments(submission))
    except AlreadySubmittedError:
        return _sent(submission, calls, "the provider already had it")
    except TransientProviderError as exc:
        _requeue(submission, calls, str(exc))
        raise
    except PermanentProviderError as exc:
        return _refused(submission, calls, exc.message)
    except DocumentUnavailable as exc:
        return _refused(submission, calls, f"a document cannot be sent: {exc}")
    return _sent(submission, calls, "", outcome)


def _went_through(provider: Provider, submission: Submission) -> bool:
    """Did an earlier attempt reach the provider although its answer was lost?"""
    verification = submission.verification
    try:
        if not verification.provider_customer_id and not _adopt_customer(provider, verification):
            return False  # nobody at the provider has our reference: it never got there
        current = provider.current(verification).status
    except TransientProviderError:
        return False  # cannot tell yet: sending is refused the same way, and retried
    if submission.kind == Submission.Kind.INITIAL:
        return current != Status.UNVERIFIED
    return current == Status.PROCESSING and verification.status == Status.FAILED


def _adopt_customer(provider: Provider, verification: Verification) -> bool:
    """A with_kyc provider creates the customer with the first submission: if that answer
    was lost, the customer exists under our reference. Adopt it (never create a second)."""
    found = provider.find_customer(verification.client_reference_id)
    if found is None:
        return False
    with transaction.atomic():
        _customer_created_with(verification, found)
    verification.provider_customer_id = found
    return True


def _requeue(submission: Submission, calls: CallLog, error: str) -> None:
    with transaction.atomic():
        Submission.objects.filter(pk=submission.pk, state=Submission.State.SENDING).update(
            state=Submission.State.QUEUED, last_error=error[:2000], sending_since=None
        )
        calls.write()


def _sent(submission: Submission, calls: CallLog, note: str, outcome: Outcome | None = None) -> str:
    verification = submission.verification
    outcome = outcome or Outcome(status=Status.PROCESSING)
    with transaction.atomic():
        calls.write()
        moved = Submission.objects.filter(pk=submission.pk, state=Submission.State.SENDING).update(
            state=Submission.State.SENT, sent_at=timezone.now(), last_error=""
        )
        if not moved:
            return Submission.objects.get(pk=submission.pk).state
        if submission.kind != Submission.Kind.INITIAL:
            Verification.objects.filter(pk=verification.pk).update(
                corrections_used=F("corrections_used") + 1
            )
        if outcome.provider_customer_id and not verification.provider_customer_id:
            _customer_created_with(verification, outcome.provider_customer_id)
        audit_record(
            verification=verification,
            action="submission_sent",
            source="system",
            note=" ".join(filter(None, [submission.get_kind_display(), note])),
        )
        if submission.kind == Submission.Kind.INITIAL:
            email_after_commit(verification_id=verification.pk, template="submission_received")
        verification_apply_outcome(
            verification_id=verification.pk, outcome=outcome, source="provider"
        )
    return Submission.State.SENT


def _customer_created_with(verification: Verification, customer_id: str) -> None:
    """A with_kyc provider created the customer with this submission."""
    Verification.objects.filter(pk=verification.pk).update(
        provider_customer_id=customer_id, customer_state=CustomerState.CREATED
    )
    audit_record(
        verification=verification,
        action="customer_created",
        source="provider",
        note=f"provider customer {customer_id}, with the first submission",
    )


def _refused(submission: Submission, calls: CallLog, error: str) -> str:
    with transaction.atomic():
        calls.write()
        Submission.objects.filter(pk=submission.pk, state=Submission.State.SENDING).update(
            state=Submission.State.REJECTED, last_error=error[:2000]
        )
        audit_record(
            verification=submission.verification,
            action="submission_refused",
            source="provider",
            note=f"{submission.get_kind_display()}: {error}",
        )
    return Submission.State.REJECTED
