"""Four eyes: irreversible or bulk staff actions wait for a second officer.

A reset (the provider cannot undo it), our own decision, and a resubmission from the list
are not run when asked: approval_request records what was asked (action, verifications,
parameters, each verification's status then, and why). Another officer approves it, and
it runs exactly as asked, for each verification whose status has not moved since (else
that one is skipped and said so), or rejects it. The requester can do neither. A request
nobody decided expires after KYC_APPROVAL_EXPIRY_HOURS. Request, approval, rejection,
expiry and each execution are audited on every verification concerned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kyc.models import ApprovalRequest, Verification
from kyc.services import staff
from kyc.services.audit import audit_record
from kyc.services.decisions import decision_check, decision_record
from kyc.services.staff import StaffActionRefused, StaffResult, clean_note

Action = ApprovalRequest.Action
State = ApprovalRequest.State
MAX_VERIFICATIONS = 100
APPROVE_PERMISSION = "kyc.approve_request"


def _run_reset(pk: int, actor: Any, request: ApprovalRequest) -> StaffResult:
    return staff.staff_reset(verification_id=pk, actor=actor, note=request.reason)


def _run_resubmit(pk: int, actor: Any, request: ApprovalRequest) -> StaffResult:
    return staff.staff_resubmit(verification_id=pk, actor=actor)


def _run_decision(pk: int, actor: Any, request: ApprovalRequest) -> StaffResult:
    p = request.parameters
    return decision_record(
        verification_id=pk,
        actor=actor,
        decision=p["decision"],
        reason=p["decision_reason"],
        note=request.reason,
    )


# What an approved request runs for each verification, as its requester (who asked for it).
RUNNERS: dict[str, Callable[[int, Any, ApprovalRequest], StaffResult]] = {
    Action.RESET: _run_reset,
    Action.RESUBMIT: _run_resubmit,
    Action.DECISION: _run_decision,
}


def pending_requests() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(state=State.PENDING, expires_at__gt=timezone.now())


def _check_parameters(action: str, parameters: dict[str, Any], reason: str) -> dict[str, Any]:
    if action not in RUNNERS:
        raise StaffActionRefused(_("Unknown action."))
    if action == Action.DECISION:
        decision_check(
            decision=parameters.get("decision", ""),
            reason=parameters.get("decision_reason", ""),
            note=reason,
        )
        return {k: parameters[k] for k in ("decision", "decision_reason")}
    return {}


def approval_request(
    *,
    action: str,
    verification_ids: list[int],
    actor: Any,
    reason: str,
    parameters: dict[str, Any] | None = None,
) -> StaffResult:
    """Ask a second officer to approve `action` on these verifications (`reason` required)."""
    reason = clean_note(reason, required=True)
    kept = _check_parameters(action, parameters or {}, reason)
    ids = sorted(set(verification_ids))
    if not ids or len(ids) > MAX_VERIFICATIONS:
        raise StaffActionRefused(_("Select between 1 and 100 verifications."))
    with transaction.atomic():
        verifications = list(Verification.objects.select_for_update().filter(pk__in=ids))
        waiting = pending_requests().filter(action=action, verifications__in=ids).exists()
        if waiting:
            return StaffResult(False, _("This action already awaits a second officer's approval."))
        statuses = {str(v.pk): v.status for v in verifications}
        request = ApprovalRequest.objects.create(
            action=action,
            parameters={**kept, "statuses": statuses},
            reason=reason,
            requested_by=actor,
            expires_at=timezone.now() + timedelta(hours=settings.KYC_APPROVAL_EXPIRY_HOURS),
        )
        request.verifications.set(verifications)
        _audit_each(request, verifications, "approval_requested", actor, "staff", reason)
    return StaffResult(
        True,
        _("Sent for approval (request #%(id)d): a second officer must approve it.")
        % {"id": request.pk},
    )


def _audit_each(
    request: ApprovalRequest,
    verifications: list[Verification],
    action: str,
    actor: Any,
    source: str,
    note: str = "",
) -> None:
    for verification in verifications:
        audit_record(
            verification=verification,
            action=action,
            source=source,
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note=f"request #{request.pk} ({request.action}): {note}".strip(),
        )


def _decidable(request: ApprovalRequest, actor: Any) -> StaffResult | None:
    """Why `actor` may not decide this request now (nothing is changed), or None."""
    if not actor.has_perm(APPROVE_PERMISSION):
        return StaffResult(False, _("You may not approve requests."))
    if request.requested_by_id == actor.pk:
        return StaffResult(False, _("You asked for this: another officer must decide it."))
    if request.state != State.PENDING:
        return StaffResult(False, _("This request is already %s.") % request.get_state_display())
    return None


def _close(request: ApprovalRequest, state: str, actor: Any, note: str = "") -> bool:
    """Compare-and-set pending -> `state`; False when someone else decided first."""
    return bool(
        ApprovalRequest.objects.filter(pk=request.pk, state=State.PENDING).update(
            state=state, decided_by=actor, decided_at=timezone.now(), decision_note=note
        )
    )


def approval_approve(*, request_id: int, actor: Any) -> StaffResult:
    """Approve another officer's request, then run it as asked."""
    approvals_expire()
    request = ApprovalRequest.objects.select_related("requested_by").get(pk=request_id)
    refused = _decidable(request, actor)
    if refused:
        return refused
    verifications = list(request.verifications.order_by("pk"))
    with transaction.atomic():
        if not _close(request, State.APPROVED, actor):
            return StaffResult(False, _("Someone else decided this request meanwhile."))
        _audit_each(request, verifications, "approval_approved", actor, "staff")
    return _execute(request, verifications, actor)


def _execute(
    request: ApprovalRequest, verifications: list[Verification], approver: Any
) -> StaffResult:
    """Run the approved action on each verification still as it was when asked for (its
    provider calls happen outside any transaction), keeping and auditing each result."""
    asked = request.parameters.get("statuses", {})
    lines, done = [], 0
    for verification in verifications:
        current = Verification.objects.get(pk=verification.pk)
        if asked.get(str(current.pk)) != current.status:
            result = StaffResult(False, _("Not run: its status changed since the request."))
        else:
            result = RUNNERS[request.action](current.pk, request.requested_by, request)
        done += result.done
        lines.append(f"{current.full_name}: {result.message}")
        audit_record(
            verification=current,
            action="approval_executed" if result.done else "approval_not_executed",
            source="staff",
            actor=approver,
            from_status=current.status,
            note=f"request #{request.pk} ({request.action}): {result.message}",
        )
    ApprovalRequest.objects.filter(pk=request.pk).update(result="\n".join(lines)[:10000])
    summary = ngettext(
        "Approved and run: %(done)d of %(total)d verification done.",
        "Approved and run: %(done)d of %(total)d verifications done.",
        len(verifications),
    ) % {"done": done, "total": len(verifications)}
    return StaffResult(bool(done), " ".join([summary, *lines[:5]]))


def approval_reject(*, request_id: int, actor: Any, note: str = "") -> StaffResult:
    """Reject another officer's request: nothing is run."""
    note = clean_note(note)
    approvals_expire()
    request = ApprovalRequest.objects.get(pk=request_id)
    refused = _decidable(request, actor)
    if refused:
        return refused
    with transaction.atomic():
        if not _close(request, State.REJECTED, actor, note):
            return StaffResult(False, _("Someone else decided this request meanwhile."))
        _audit_each(
            request, list(request.verifications.all()), "approval_rejected", actor, "staff", note
        )
    return StaffResult(True, _("Request #%(id)d rejected: nothing was run.") % {"id": request.pk})


def approvals_expire() -> int:
    """Expire the pending requests past their time; returns how many."""
    due = ApprovalRequest.objects.filter(state=State.PENDING, expires_at__lte=timezone.now())
    expired = 0
    for request in due.order_by("pk")[:500]:
        with transaction.atomic():
            if not _close(request, State.EXPIRED, None):
                continue
            _audit_each(
                request, list(request.verifications.all()), "approval_expired", None, "system"
            )
            expired += 1
    return expired
