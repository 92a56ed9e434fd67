"""Verification status changes: the one place a status moves, whoever reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kyc.models import Status, Verification
from kyc.services.audit import audit_record
from kyc.services.notify import email_after_commit

# Provider clocks and ours differ a little: an event is stale only when clearly older.
CLOCK_SLACK = timedelta(seconds=5)
DECIDED = {Status.VERIFIED, Status.FAILED}


@dataclass(frozen=True)
class StatusChange:
    applied: bool
    reason: str  # why it was (not) applied, for the audit trail and the caller


def _refusal(current: Verification, status: str, reason: str, occurred_at: datetime | None) -> str:
    if current.status == status and current.failure_reason == reason:
        return "already in this status"
    if current.status == Status.VERIFIED:
        return "a verified customer is never downgraded by an update"
    if status == Status.UNVERIFIED:
        return "only a reset makes a customer unverified"
    if occurred_at is not None and occurred_at < current.status_changed_at - CLOCK_SLACK:
        return "the event is older than the current status"
    return ""


def verification_apply_status(
    *,
    verification_id: int,
    status: str,
    failure_reason: str = "",
    source: str,
    actor: Any = None,
    occurred_at: datetime | None = None,
    note: str = "",
) -> StatusChange:
    """Move a verification to the status a provider (or staff) reports, if that is progress."""
    failure_reason = failure_reason if status == Status.FAILED else ""
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification_id)
        refusal = _refusal(current, status, failure_reason, occurred_at)
        if refusal:
            if current.status != status or current.failure_reason != failure_reason:
                _audit_ignored(current, status, source, actor, refusal, note)
            return StatusChange(False, refusal)
        _move(current, status, failure_reason, source, actor, note)
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
    current: Verification, status: str, reason: str, source: str, actor: Any, note: str
) -> None:
    now = timezone.now()
    previous = current.status
    fields = {"status": status, "failure_reason": reason, "status_changed_at": now}
    if status in DECIDED:
        fields["decided_at"] = now
    Verification.objects.filter(pk=current.pk, status=previous).update(**fields)
    audit_record(
        verification=current,
        action="status_changed",
        source=source,
        actor=actor,
        from_status=previous,
        to_status=status,
        note=" ".join(filter(None, [reason, note])),
    )
    if status == Status.VERIFIED:
        email_after_commit(verification_id=current.pk, template="verified")
    elif status == Status.FAILED:
        email_after_commit(verification_id=current.pk, template="failed")


def verification_reset_local(*, verification_id: int, source: str, actor: Any, note: str) -> None:
    """After the provider confirmed a reset: back to UNVERIFIED, attempts kept."""
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification_id)
        Verification.objects.filter(pk=current.pk).update(
            status=Status.UNVERIFIED,
            failure_reason="",
            status_changed_at=timezone.now(),
            submitted_at=None,
            decided_at=None,
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
