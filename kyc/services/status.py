"""Verification status changes: the one place a status moves, whoever reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kyc.models import ClearedDecision, FailureReason, ProviderDocument, Status, Verification
from kyc.providers.interface import Action, DocumentSnapshot, Outcome
from kyc.services.audit import audit_record
from kyc.services.banks import bank_accounts_suspend
from kyc.services.cases import case_follow
from kyc.services.downgrades import REPORT_FIELDS as DOWNGRADE_FIELDS
from kyc.services.downgrades import downgrade_report, downgrade_withdrawn
from kyc.services.notify import email_after_commit

# Provider clocks and ours differ a little: an event is stale only when clearly older.
CLOCK_SLACK = timedelta(seconds=5)
DECIDED = {Status.VERIFIED, Status.FAILED}
REASON_MAX = 255  # Verification.provider_reason
NEVER_DOWNGRADED = "a verified customer is never downgraded by an update"
# Actions that hand the applicant to the provider's pages: their link is signed and short-lived,
# fetched afresh at each hand-off (kyc/services/hosted.py), never kept.
HANDED_OFF = {"hosted", "reupload"}


@dataclass(frozen=True)
class StatusChange:
    applied: bool
    reason: str  # why it was (not) applied, for the audit trail and the caller


def _stored(outcome: Outcome) -> dict[str, Any]:
    """What of an outcome a verification keeps: a reason only with a failure, an action
    only while waiting for the applicant, the provider's words beside the neutral ones."""
    failed = outcome.status == Status.FAILED
    waiting = outcome.status == Status.ACTION_REQUIRED
    stored = {
        "status": outcome.status,
        "failure_reason": (outcome.reason or FailureReason.OTHER) if failed else "",
        "provider_status": outcome.provider_status or outcome.status,
        "provider_reason": outcome.provider_reason[:REASON_MAX] if failed else "",
        "action": action_json(outcome.action) if waiting else None,
    }
    if outcome.provider_case_id is not None:
        stored["provider_case_id"] = outcome.provider_case_id[:64]
    return stored


def action_json(action: Action | None) -> dict[str, Any] | None:
    if action is None:
        return None
    return {
        "kind": action.kind,
        "url": "" if action.kind in HANDED_OFF else action.url,
        "expires_at": action.expires_at.isoformat() if action.expires_at else None,
        "questions": [
            {"key": q.key, "prompt": q.prompt, "options": list(q.options)} for q in action.questions
        ],
    }


def _same(current: Verification, stored: dict[str, Any]) -> bool:
    return all(getattr(current, name) == value for name, value in stored.items())


def _refusal(
    current: Verification,
    stored: dict[str, Any],
    revision: int | None,
    occurred_at: datetime | None,
) -> str:
    if _same(current, stored):
        return "already in this status"
    # An older report is only late news; a newer one that leaves VERIFIED goes to staff.
    older = _older(current, stored, revision, occurred_at)
    if older:
        return older
    if current.status == Status.VERIFIED:
        return NEVER_DOWNGRADED
    if stored["status"] == Status.UNVERIFIED:
        return "only a reset makes a customer unverified"
    return ""


def _older(
    current: Verification,
    stored: dict[str, Any],
    revision: int | None,
    occurred_at: datetime | None,
) -> str:
    case = stored.get("provider_case_id", current.provider_case_id)
    if current.provider_case_id and case != current.provider_case_id:
        # Only the hand-off moves a verification to a new case (it records the case first):
        # news of another case is a late answer about an older one.
        return "the report is about another case than the current one"
    if _older_revision(revision, current.provider_revision):
        return "the event is older than the current status (an older revision)"
    if occurred_at is not None and occurred_at < current.status_changed_at - CLOCK_SLACK:
        return "the event is older than the current status"
    return ""


def _older_revision(new: int | None, current: int | None) -> bool:
    return new is not None and current is not None and new < current


def verification_apply_status(
    *,
    verification_id: int,
    status: str,
    failure_reason: str = "",
    provider_status: str = "",
    provider_reason: str = "",
    revision: int | None = None,
    source: str,
    actor: Any = None,
    occurred_at: datetime | None = None,
    note: str = "",
) -> StatusChange:
    """Move a verification to the status a provider (or staff) reports, if that is progress.

    `failure_reason` is neutral (kyc.models.FailureReason); the provider's own status and
    reason are kept beside it for staff.
    """
    outcome = Outcome(
        status=status,
        reason=failure_reason,
        provider_status=provider_status,
        provider_reason=provider_reason,
        revision=revision,
    )
    return verification_apply_outcome(
        verification_id=verification_id,
        outcome=outcome,
        source=source,
        actor=actor,
        occurred_at=occurred_at,
        note=note,
    )


def verification_apply_outcome(
    *,
    verification_id: int,
    outcome: Outcome,
    source: str,
    actor: Any = None,
    occurred_at: datetime | None = None,
    note: str = "",
) -> StatusChange:
    """A provider's Outcome (a submission's answer, a poll, a webhook) applied as above.

    The documents it reports (per-document review) are kept whatever the status does,
    each newer revision replacing an older one, never the other way round.
    """
    stored = _stored(outcome)
    occurred_at = occurred_at or outcome.observed_at
    # In a caller's transaction (a sent submission's), part of it: no savepoint.
    with transaction.atomic(savepoint=False):
        current = Verification.objects.select_for_update().get(pk=verification_id)
        documents_apply(verification=current, documents=outcome.documents)
        refusal = _refusal(current, stored, outcome.revision, occurred_at)
        reported: dict[str, Any] = {
            "reported_at": occurred_at or timezone.now(),
            "source": source,
            "actor": actor,
        }
        if refusal == NEVER_DOWNGRADED:
            flagged = downgrade_report(current=current, stored=stored, note=note, **reported)
            case_follow(verification_id=current.pk, source=source, actor=actor, moved=False)
            return StatusChange(False, flagged)
        confirmed = refusal == "already in this status" and current.status == Status.VERIFIED
        if confirmed and downgrade_withdrawn(current=current, note=note, **reported):
            case_follow(verification_id=current.pk, source=source, actor=actor, moved=False)
        if refusal:
            if not _same(current, stored):
                _audit_ignored(current, outcome.status, source, actor, refusal, note)
            return StatusChange(False, refusal)
        _move(current, stored, outcome.revision, source, actor, note)
    return StatusChange(True, "applied")


def _audit_ignored(
    current: Verification, status: str, source: str, actor: Any, why: str, note: str
) -> None:
    audit_record(
        verification=current,
        action="status_ignored",
        source=source,
        actor=actor,
        from_status=current.status,
        to_status=status,
        note=f"{why}. {note}".strip(),
    )


def _move(
    current: Verification,
    stored: dict[str, Any],
    revision: int | None,
    source: str,
    actor: Any,
    note: str,
) -> None:
    now = timezone.now()
    previous, status = current.status, stored["status"]
    fields: dict[str, Any] = {**stored, "status_changed_at": now}
    if revision is not None:
        fields["provider_revision"] = revision
    if status in DECIDED:
        fields["decided_at"] = now
    Verification.objects.filter(pk=current.pk, status=previous).update(**fields)
    for name, value in fields.items():
        setattr(current, name, value)  # as locked and now changed: what the case follows
    said = f"({stored['provider_reason']})" if stored["provider_reason"] else ""
    audit_record(
        verification=current,
        action="status_changed",
        source=source,
        actor=actor,
        from_status=previous,
        to_status=status,
        note=" ".join(filter(None, [stored["failure_reason"], said, note])),
    )
    case_follow(verification_id=current.pk, source=source, actor=actor, locked=current)
    if status == Status.VERIFIED:
        email_after_commit(verification_id=current.pk, template="verified")
    elif status == Status.FAILED:
        email_after_commit(verification_id=current.pk, template="failed")
    elif (stored["action"] or {}).get("kind") == "reupload":
        email_after_commit(verification_id=current.pk, template="document_refused")


def verification_downgrade_accept(*, verification_id: int, actor: Any) -> bool:
    """Staff apply the status the provider reported for a VERIFIED customer
    (kyc/services/downgrades.py); False when there is no such report (any more)."""
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification_id)
        report = current.provider_downgrade
        if current.status != Status.VERIFIED or not report:
            return False
        Verification.objects.filter(pk=current.pk).update(provider_downgrade=None)
        note = "the provider's report, applied by staff"
        if report["status"] == Status.UNVERIFIED:
            verification_reset_local(
                verification_id=current.pk, source="staff", actor=actor, note=note
            )
            return True
        stored = {name: report[name] for name in DOWNGRADE_FIELDS} | {"action": None}
        _move(current, stored, None, "staff", actor, note)
    return True


def verification_reset_local(*, verification_id: int, source: str, actor: Any, note: str) -> None:
    """After the provider confirmed a reset: back to UNVERIFIED, attempts kept.

    The decision it takes off the verification is kept as a ClearedDecision (the dashboard
    still counts it), and the bank accounts are suspended: they were verified for a person
    whose KYC no longer stands.
    """
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification_id)
        _keep_decision(current)
        Verification.objects.filter(pk=current.pk).update(
            status=Status.UNVERIFIED,
            failure_reason="",
            provider_status=Status.UNVERIFIED,
            provider_reason="",
            provider_revision=None,
            action=None,
            status_changed_at=timezone.now(),
            submitted_at=None,
            decided_at=None,
            # Our own decision was about the KYC the reset takes away (the audit trail keeps it).
            staff_decision="",
            staff_decision_reason="",
            staff_decided_at=None,
        )
        audit_record(
            verification=current,
            action="kyc_reset",
            source=source,
            actor=actor,
            from_status=current.status,
            to_status=Status.UNVERIFIED,
            note=note,
        )
        bank_accounts_suspend(verification=current, source=source, actor=actor)
        case_follow(verification_id=current.pk, source=source, actor=actor)


def _keep_decision(current: Verification) -> None:
    if current.status not in DECIDED or current.decided_at is None:
        return
    ClearedDecision.objects.create(
        verification=current,
        status=current.status,
        failure_reason=current.failure_reason,
        submitted_at=current.submitted_at,
        decided_at=current.decided_at,
    )


# --- the provider's documents (Capabilities.per_document_review) -------------------------------
DOCUMENT_FIELDS = (
    "case_id",
    "type",
    "subtype",
    "status",
    "reason",
    "provider_status",
    "provider_reason",
    "reason_text",
    "label",
    "user_text",
    "attempts_left",
    "revision",
    "reviewed_by_staff",
)


def documents_apply(*, verification: Verification, documents: tuple[DocumentSnapshot, ...]) -> int:
    """Create or update the verification's provider documents; how many changed.

    A snapshot older than the stored one (a lower revision) is ignored, so deliveries
    that arrive out of order never undo a newer decision. Call it inside the
    verification's row lock (verification_apply_outcome does).
    """
    if not documents:
        return 0
    existing = {
        row.provider_document_id: row
        for row in ProviderDocument.objects.filter(
            verification=verification,
            provider_document_id__in=[d.provider_document_id for d in documents],
        )
    }
    changed = 0
    for snapshot in documents:
        values = {name: _document_value(snapshot, name) for name in DOCUMENT_FIELDS}
        row = existing.get(snapshot.provider_document_id)
        if row is None:
            ProviderDocument.objects.create(
                verification=verification,
                provider_document_id=snapshot.provider_document_id[:64],
                **values,
            )
            changed += 1
            continue
        if _older_revision(snapshot.revision, row.revision):
            continue
        if all(getattr(row, name) == value for name, value in values.items()):
            continue
        ProviderDocument.objects.filter(pk=row.pk).update(**values, updated_at=timezone.now())
        changed += 1
    return changed


def _document_value(snapshot: DocumentSnapshot, name: str) -> Any:
    value = getattr(snapshot, name)
    limits = {"reason_text": 255, "user_text": 255, "label": 100, "case_id": 64, "subtype": 40}
    if name in limits and isinstance(value, str):
        return value[: limits[name]]
    return value
