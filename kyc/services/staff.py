"""What compliance staff can do to a verification, one function per button in the admin.

Each function is one call for the admin: it checks what it can, calls the provider
or the core service that owns the change, leaves an AuditEvent naming the staff
member, and returns a StaffResult the admin shows as it is. Refusals that changed
nothing and sent nothing leave no audit entry (there is nothing to account for).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kyc import jobs
from kyc import quality as quality_checks
from kyc.models import Document, FixKind, ProviderDocument, Status, Submission, Verification
from kyc.providers.errors import ProviderError
from kyc.providers.interface import (
    Attestation,
    ClientOverrideProvider,
    CorrectionPart,
    DocumentReviewProvider,
    Outcome,
)
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record
from kyc.services.corrections import UPDATE_KINDS, fix_kind
from kyc.services.customers import verification_reroute
from kyc.services.downgrades import downgrade_dismiss
from kyc.services.notify import email_after_commit
from kyc.services.polling import verification_refresh
from kyc.services.status import (
    documents_apply,
    verification_apply_outcome,
    verification_downgrade_accept,
    verification_reset_local,
)
from kyc.services.submissions import SubmissionRefused, submission_create

NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class StaffResult:
    done: bool
    message: str  # for the staff member, as shown in the admin


class StaffActionRefused(ValueError):
    """The request itself is invalid (an unknown outcome, an empty note)."""


def clean_note(note: str, *, required: bool = False) -> str:
    note = (note or "").strip()
    if required and not note:
        raise StaffActionRefused(_("Write a note."))
    if len(note) > NOTE_MAX_LENGTH:
        raise StaffActionRefused(_("The note is too long."))
    return note


def _no_customer(verification: Verification) -> StaffResult | None:
    if verification.provider_customer_id:
        return None
    return StaffResult(False, _("The customer does not exist at the provider yet."))


def _provider_failed(
    verification: Verification, action: str, actor: Any, exc: ProviderError
) -> StaffResult:
    audit_record(
        verification=verification,
        action=action,
        source="staff",
        actor=actor,
        from_status=verification.status,
        note=f"{exc.code}: {exc.message}"[:NOTE_MAX_LENGTH],
    )
    return StaffResult(False, _("The provider refused or did not answer: %s") % exc.message)


# --- refresh ---------------------------------------------------------------------------------
def staff_refresh(*, verification_id: int, actor: Any) -> StaffResult:
    """Ask the provider for the current status and apply it like a webhook would."""
    verification = Verification.objects.get(pk=verification_id)
    refused = _no_customer(verification)
    if refused:
        return refused
    try:
        change = verification_refresh(verification_id=verification.pk, source="staff", actor=actor)
    except ProviderError as exc:
        return _provider_failed(verification, "staff_refresh_failed", actor, exc)
    verification.refresh_from_db()
    if change.applied:
        return StaffResult(True, _("Status is now %s.") % verification.get_status_display())
    if change.reason == "already in this status":
        # verification_apply_status records only differences: record that staff checked.
        audit_record(
            verification=verification,
            action="status_checked",
            source="staff",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note="status fetched from the provider: unchanged",
        )
    return StaffResult(False, _("Status unchanged (%s).") % change.reason)


# --- retry -----------------------------------------------------------------------------------
def staff_retry_submission(
    *, verification_id: int, actor: Any, submission_id: int | None = None
) -> StaffResult:
    """Send again a submission the provider refused, or one stuck on its way.

    A refused submission is copied into a new one (the refused row stays as the record
    of what was refused); a stuck one is put back in the queue. Without submission_id
    the verification's latest submission is meant.
    """
    submissions = Submission.objects.filter(verification_id=verification_id)
    if submission_id is not None:
        submissions = submissions.filter(pk=submission_id)
    submission = submissions.select_related("verification").order_by("-created_at").first()
    if submission is None:
        return StaffResult(False, _("There is no submission to retry."))
    if submission.state == Submission.State.REJECTED:
        return _retry_rejected(submission, actor)
    if submission.state == Submission.State.QUEUED:
        return _requeue(submission, actor, Submission.State.QUEUED)
    if requeueable(submission):
        return _requeue(submission, actor, Submission.State.SENDING)
    return StaffResult(False, _("The latest submission is %s: nothing to retry.") % submission)


def requeueable(submission: Submission) -> bool:
    """Queued, or claimed by a worker longer than the sweeper waits (it died mid-call)."""
    if submission.state == Submission.State.QUEUED:
        return True
    stale = timezone.now() - timedelta(seconds=settings.KYC_SWEEP_SENDING_AFTER)
    return submission.state == Submission.State.SENDING and (
        submission.sending_since is None or submission.sending_since < stale
    )


def _retry_rejected(submission: Submission, actor: Any) -> StaffResult:
    try:
        copy = submission_create(
            verification=submission.verification,
            kind=submission.kind,
            data=submission.data,
            actor=actor,
            source="staff",
        )
    except SubmissionRefused as exc:
        return StaffResult(False, _("Cannot retry: %s.") % exc)
    return StaffResult(True, _("Submission queued again (%s).") % copy.get_kind_display())


def _requeue(submission: Submission, actor: Any, state: str) -> StaffResult:
    """Queue it again; sending it twice is harmless (submission_send claims it first)."""
    with transaction.atomic():
        moved = Submission.objects.filter(pk=submission.pk, state=state).update(
            state=Submission.State.QUEUED, sending_since=None
        )
        if not moved:
            return StaffResult(False, _("The submission moved on meanwhile: nothing to retry."))
        audit_record(
            verification=submission.verification,
            action="submission_requeued",
            source="staff",
            actor=actor,
            from_status=submission.verification.status,
            note=f"{submission.get_kind_display()} (was {state})",
        )
        jobs.after_commit(jobs.SEND_SUBMISSION, {"submission_id": submission.pk})
    return StaffResult(
        True, _("Submission put back in the queue (%s).") % submission.get_kind_display()
    )


# --- ask the user to resubmit ----------------------------------------------------------------
def staff_request_resubmission(*, verification_id: int, actor: Any, note: str = "") -> StaffResult:
    """Email the user a link to the fix form for what failed, with the staff member's note."""
    note = clean_note(note)
    verification = Verification.objects.get(pk=verification_id)
    kind = fix_kind(verification)
    if verification.status != Status.FAILED or kind == FixKind.NONE:
        return StaffResult(False, _("There is nothing the user can correct."))
    if verification.corrections_left == 0:
        return StaffResult(False, _("The user has no correction attempt left."))
    with transaction.atomic():
        audit_record(
            verification=verification,
            action="resubmission_requested",
            source="staff",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note=" ".join(filter(None, [f"fix: {kind.value}.", note])),
        )
        email_after_commit(
            verification_id=verification.pk,
            template="resubmission_requested",
            fix=kind.value,
            note=note,
        )
    return StaffResult(True, _("The user was asked to send again: %s.") % kind.label)


# --- resubmit the stored data ----------------------------------------------------------------
def latest_kyc_data(submissions: Iterable[Submission]) -> dict[str, Any]:
    """Everything the user sent, the newest value of each part winning.

    Documents are merged by kind (a selfie update keeps the document pages); any other
    part, additional_info included, is replaced whole by a newer submission.
    """
    merged: dict[str, Any] = {}
    for submission in sorted(submissions, key=lambda s: (s.created_at, s.pk)):
        for key, value in (submission.data or {}).items():
            if key == "documents" and isinstance(value, Mapping):
                merged.setdefault("documents", {}).update(value)
            else:
                merged[key] = value
    return merged


def correction_data(data: Mapping[str, Any], part: CorrectionPart) -> dict[str, Any] | None:
    """What of `data` a correction sends (the provider's CorrectionPart for its FixKind), or
    None when some of it is missing. A field given as alternatives takes the first stored
    one (older submissions kept the address as one line)."""
    found: dict[str, Any] = {}
    for wanted in part.fields:
        names = (wanted,) if isinstance(wanted, str) else wanted
        name = next((name for name in names if data.get(name)), None)
        if name is None:
            return None
        found[name] = data[name]
    stored_documents = data.get("documents") or {}
    documents = {name: stored_documents.get(name) for name in part.documents}
    if not all(documents.values()):
        return None
    if documents:
        found["documents"] = documents
    return found


@dataclass(frozen=True)
class ResubmitPlan:
    """What "Resubmit the stored data" would send now, or why it must not (`refusal`)."""

    kind: FixKind
    data: dict[str, Any] | None = None
    refusal: str = ""


def resubmit_plan(verification: Verification) -> ResubmitPlan:
    """The correction staff would send for the failure, checked before anything is spent.

    Refused when no update fixes the failure, the stored data lacks the part or a document,
    the selfie failed our own checks (the provider would judge it afresh and may pass it),
    nothing changed since the provider refused it, or no attempt is left.
    """
    kind = fix_kind(verification)
    parts = get_provider(verification.provider).correction_parts()
    if kind == FixKind.NONE or kind not in parts or kind not in UPDATE_KINDS:
        return ResubmitPlan(kind, refusal=_("There is no failure an update can fix."))
    submissions = list(verification.submissions.all())
    data = correction_data(latest_kyc_data(submissions), parts[kind])
    refusal = _resubmit_refusal(verification, submissions, data, parts[kind])
    return ResubmitPlan(kind, data, refusal) if refusal else ResubmitPlan(kind, data)


def _resubmit_refusal(
    verification: Verification,
    submissions: list[Submission],
    data: dict[str, Any] | None,
    part: CorrectionPart,
) -> str:
    if data is None:
        return _("The stored data lacks what this correction needs.")
    documents = data.get("documents", {})
    if not _documents_available(documents):
        return _("A stored document is no longer available.")
    selfie = documents.get(Document.Kind.SELFIE)
    failed_check = selfie_check_failed(submissions, selfie) if selfie else ""
    if failed_check:
        return failed_check
    refused = correction_data(latest_kyc_data(refused_submissions(verification, submissions)), part)
    if refused is not None and payload_fingerprint(refused) == payload_fingerprint(data):
        return _("Nothing changed since the provider refused it: ask the user to correct it.")
    if verification.corrections_left == 0:
        return _("The user has no correction attempt left.")
    return ""


def refused_submissions(
    verification: Verification, submissions: Iterable[Submission]
) -> list[Submission]:
    """What the provider had been sent when it made its (failed) decision: the submissions it
    accepted up to then. Submissions are never edited, so this is the data it refused."""
    decided_at = verification.decided_at
    return [
        submission
        for submission in submissions
        if submission.state == Submission.State.SENT
        and submission.sent_at is not None
        and (decided_at is None or submission.sent_at <= decided_at)
    ]


def payload_fingerprint(data: Mapping[str, Any]) -> str:
    """A digest of a correction's payload: its fields as canonical JSON, and each document as
    the stored object it names (key and size), so a new upload is a change and the same
    files under other ids would not be. Two payloads are "unchanged" when digests match."""
    documents = data.get("documents") or {}
    stored = {
        str(row.pk): [row.key, row.size]
        for row in Document.objects.filter(pk__in=set(documents.values()))
    }
    canonical = {
        **{name: value for name, value in data.items() if name != "documents"},
        "documents": {kind: stored.get(str(pk)) for kind, pk in documents.items()},
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def selfie_check_failed(submissions: Iterable[Submission], selfie_id: int) -> str:
    """Why this selfie failed our own checks, or "": our liveness verdict sent with it
    (selfie_verification_status false), or our picture checks warning about it."""
    for submission in submissions:
        data = submission.data or {}
        sent_with = (data.get("documents") or {}).get(Document.Kind.SELFIE)
        if sent_with == selfie_id and data.get("selfie_verification_status") is False:
            return _("The selfie failed our own liveness check: ask the user for a new selfie.")
    selfie = Document.objects.filter(pk=selfie_id).first()
    warned = quality_checks.warnings_of(selfie.quality) if selfie else []
    if warned:
        return _(
            "The selfie failed our own picture checks (%s): ask the user for a new selfie."
        ) % ", ".join(warned)
    return ""


def staff_resubmit(*, verification_id: int, actor: Any) -> StaffResult:
    """Send the latest stored data for what failed to the matching update endpoint (it spends
    one of the user's correction attempts once the provider takes it)."""
    verification = Verification.objects.get(pk=verification_id)
    plan = resubmit_plan(verification)
    if plan.refusal or plan.data is None:
        return StaffResult(False, plan.refusal)
    try:
        submission = submission_create(
            verification=verification,
            kind=UPDATE_KINDS[plan.kind],
            data=plan.data,
            actor=actor,
            source="staff",
        )
    except SubmissionRefused as exc:
        return StaffResult(False, _("Cannot resubmit: %s.") % exc)
    return StaffResult(True, _("Queued: %s.") % submission.get_kind_display())


def _documents_available(documents: Mapping[str, Any]) -> bool:
    ids = set(documents.values())
    accepted = Document.objects.filter(pk__in=ids, state=Document.State.ACCEPTED).count()
    return accepted == len(ids)


# --- reset -----------------------------------------------------------------------------------
def reset_reason(note: str) -> str:
    """A reset always says why (kept in the audit trail)."""
    reason = clean_note(note)
    if not reason:
        raise StaffActionRefused(_("Give the reason for the reset."))
    return reason


def staff_reset(*, verification_id: int, actor: Any, note: str) -> StaffResult:
    """Reset KYC at the provider (irreversible there), then here: back to not submitted,
    the bank accounts suspended. `note` is the reason, required."""
    reason = reset_reason(note)
    verification = Verification.objects.get(pk=verification_id)
    refused = _no_customer(verification)
    if refused:
        return refused
    provider = get_provider(verification.provider, verification_id=verification.pk)
    if not provider.capabilities.reset:
        return StaffResult(False, _("This provider cannot reset a verification."))
    try:
        provider.reset(verification)
    except ProviderError as exc:
        return _provider_failed(verification, "staff_reset_refused", actor, exc)
    verification_reset_local(
        verification_id=verification.pk, source="staff", actor=actor, note=reason
    )
    return StaffResult(True, _("KYC was reset: the user can submit again."))


# --- a provider's downgrade of a VERIFIED customer (kyc/services/downgrades.py) ---------------
def staff_accept_downgrade(*, verification_id: int, actor: Any) -> StaffResult:
    if not verification_downgrade_accept(verification_id=verification_id, actor=actor):
        return StaffResult(False, _("The provider reports no downgrade for this customer."))
    return StaffResult(True, _("The status the provider reports was applied."))


def staff_dismiss_downgrade(*, verification_id: int, actor: Any) -> StaffResult:
    if not downgrade_dismiss(verification_id=verification_id, actor=actor, note=""):
        return StaffResult(False, _("The provider reports no downgrade for this customer."))
    return StaffResult(True, _("The provider's report was dismissed: the customer stays verified."))


# --- force an outcome (sandbox) --------------------------------------------------------------
def staff_force_outcome(*, verification_id: int, actor: Any, outcome: str) -> StaffResult:
    """Sandbox only: have the provider decide `outcome` now, then apply what it says.

    The outcomes are the provider's own (Capabilities.sandbox_outcomes), empty unless
    its own sandbox flag is on.
    """
    verification = Verification.objects.get(pk=verification_id)
    provider = get_provider(verification.provider, verification_id=verification.pk)
    outcomes = provider.capabilities.sandbox_outcomes
    if not outcomes:
        raise StaffActionRefused(_("Forcing an outcome is possible only in sandbox mode."))
    if outcome not in outcomes:
        raise StaffActionRefused(_("Unknown outcome."))
    refused = _no_customer(verification)
    if refused:
        return refused
    try:
        forced = provider.force_outcome(verification, outcome)
    except ProviderError as exc:
        return _provider_failed(verification, "outcome_force_refused", actor, exc)
    audit_record(
        verification=verification,
        action="outcome_forced",
        source="staff",
        actor=actor,
        from_status=verification.status,
        note=f"sandbox outcome {outcome}",
    )
    return _apply_forced(verification, actor, outcome, forced)


def _apply_forced(
    verification: Verification, actor: Any, outcome: str, forced: Outcome
) -> StaffResult:
    if forced.status == Status.UNVERIFIED:  # the provider says: as if it were reset
        verification_reset_local(
            verification_id=verification.pk, source="staff", actor=actor, note="sandbox outcome"
        )
        return StaffResult(True, _("Forced: %s.") % outcome)
    # What the provider answers may lack the reason (DollarPe's does): read the status back.
    try:
        verification_refresh(verification_id=verification.pk, source="staff", actor=actor)
    except ProviderError:
        return StaffResult(True, _("Forced: %s; the webhook will bring the status.") % outcome)
    return StaffResult(True, _("Forced: %s.") % outcome)


# --- route to another provider ----------------------------------------------------------------
def staff_reroute(*, verification_id: int, actor: Any, provider: str) -> StaffResult:
    """Send an applicant to another enabled provider, while no provider has them yet."""
    try:
        moved = verification_reroute(
            verification_id=verification_id, provider=provider, actor=actor
        )
    except ValueError as exc:
        return StaffResult(False, _("Cannot route to another provider: %s.") % exc)
    return StaffResult(True, _("Now with %s.") % get_provider(moved.provider).label)


# --- the provider's documents (Capabilities.staff_document_review) ---------------------------
REVIEWABLE = {ProviderDocument.State.PENDING, ProviderDocument.State.REVIEWING}


def staff_review_document(
    *, document_id: int, actor: Any, accept: bool, reason: str = "", message: str = ""
) -> StaffResult:
    """Accept or refuse one document at the provider, then apply what follows from it.

    A refusal needs the provider's reason code and a message for the applicant. The
    document's new state is kept at once; the case's status is fetched again, since
    accepting the last document may verify the applicant.
    """
    document = ProviderDocument.objects.select_related("verification").get(pk=document_id)
    verification = document.verification
    provider = get_provider(verification.provider, verification_id=verification.pk)
    if not isinstance(provider, DocumentReviewProvider):
        return StaffResult(False, _("This provider does not take document decisions from us."))
    message = clean_note(message, required=not accept)[:255]
    if not accept and not reason:
        raise StaffActionRefused(_("Choose why the document is refused."))
    if document.case_id != verification.provider_case_id:
        return StaffResult(False, _("The document belongs to an earlier request."))
    if document.status not in REVIEWABLE:
        return StaffResult(
            False, _("The document is already %s.") % document.get_status_display().lower()
        )
    verb = "accepted" if accept else "rejected"
    try:
        snapshot = provider.review_document(
            verification,
            document.provider_document_id,
            accept=accept,
            reason=reason,
            message=message,
        )
    except ProviderError as exc:
        return _provider_failed(verification, f"document_{verb}_failed", actor, exc)
    with transaction.atomic():
        locked = Verification.objects.select_for_update().get(pk=verification.pk)
        documents_apply(verification=locked, documents=(snapshot,))
        said = f" ({reason}: {message})" if not accept else ""
        audit_record(
            verification=locked,
            action=f"document_{verb}",
            source="staff",
            actor=actor,
            from_status=locked.status,
            to_status=locked.status,
            note=f"{document.get_type_display()} {document.provider_document_id}{said}",
        )
    done = _("Document accepted.") if accept else _("Document refused.")
    try:
        verification_refresh(verification_id=verification.pk, source="staff", actor=actor)
    except ProviderError:
        # The decision is made; polling and the provider's webhooks bring the status.
        return StaffResult(True, f"{done} {_('The status will follow.')}")
    return StaffResult(True, done)


# --- our own verification (Capabilities.client_override) ------------------------------------
ATTESTATION_MAX = 100


def staff_client_override(
    *,
    verification_id: int,
    actor: Any,
    verifier: str,
    reference: str,
    level: str,
    verified_on: str = "",
) -> StaffResult:
    """Record at the provider that we verified this person ourselves (who verified, their
    reference, the level, the day), then apply what the provider says. All are required;
    the day cannot be in the future."""
    values = {"verifier": verifier, "reference": reference, "level": level}
    cleaned = {name: " ".join(str(value or "").split()) for name, value in values.items()}
    if not all(cleaned.values()):
        raise StaffActionRefused(_("Give who verified the person, their reference and the level."))
    if any(len(value) > ATTESTATION_MAX for value in cleaned.values()):
        raise StaffActionRefused(_("Each value may have at most 100 characters."))
    try:
        day = date.fromisoformat(verified_on.strip())
    except ValueError:
        raise StaffActionRefused(_("Give the day we verified the person (YYYY-MM-DD).")) from None
    if day > timezone.localdate():
        raise StaffActionRefused(_("The day of our verification cannot be in the future."))
    verified_at = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    verification = Verification.objects.get(pk=verification_id)
    refused = _no_customer(verification)
    if refused:
        return refused
    provider = get_provider(verification.provider, verification_id=verification.pk)
    if not isinstance(provider, ClientOverrideProvider):
        return StaffResult(False, _("This provider does not take our own verification."))
    attestation = Attestation(verified_at=verified_at, **cleaned)
    try:
        outcome = provider.client_override(verification, attestation)
    except ProviderError as exc:
        return _provider_failed(verification, "client_override_failed", actor, exc)
    audit_record(
        verification=verification,
        action="client_override",
        source="staff",
        actor=actor,
        from_status=verification.status,
        note=(
            f"verified by {cleaned['verifier']} on {day.isoformat()}, reference "
            f"{cleaned['reference']}, level {cleaned['level']}"
        ),
    )
    change = verification_apply_outcome(
        verification_id=verification.pk,
        outcome=outcome,
        source="staff",
        actor=actor,
        note="our own verification recorded at the provider",
    )
    verification.refresh_from_db()
    if change.applied:
        now = verification.get_status_display()
        return StaffResult(True, _("Recorded. Status is now %s.") % now)
    return StaffResult(True, _("Recorded. Status unchanged (%s).") % change.reason)


# --- note ------------------------------------------------------------------------------------
def staff_add_note(*, verification_id: int, actor: Any, note: str) -> StaffResult:
    note = clean_note(note, required=True)
    verification = Verification.objects.get(pk=verification_id)
    audit_record(
        verification=verification,
        action="note_added",
        source="staff",
        actor=actor,
        from_status=verification.status,
        to_status=verification.status,
        note=note,
    )
    return StaffResult(True, _("Note added."))
