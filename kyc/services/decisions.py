"""Our own decision on a verification, recorded beside the provider's.

None of our providers takes a decision from us through its API (Qolo's client override is
an attestation of a verification we did, with its own form: staff_client_override), so an
officer's approve or reject is ours: the provider's status stays as it reported it, both
are shown, and readiness follows ours (kyc.services.holds.verified_for_us). It is asked
for through four eyes (kyc/services/approvals.py), which runs decision_record.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kyc.models import DecisionReason, StaffDecision, Verification
from kyc.services.audit import audit_record
from kyc.services.staff import StaffActionRefused, StaffResult, clean_note


def decision_check(*, decision: str, reason: str, note: str) -> str:
    """The cleaned note, or StaffActionRefused when the request itself is invalid."""
    if decision not in StaffDecision.values:
        raise StaffActionRefused(_("Choose to approve or to reject."))
    if reason not in DecisionReason.values:
        raise StaffActionRefused(_("Choose the reason for the decision."))
    return clean_note(note, required=True)


def decision_record(
    *, verification_id: int, actor: Any, decision: str, reason: str, note: str
) -> StaffResult:
    """Record our decision (replacing an earlier one of ours), audited."""
    note = decision_check(decision=decision, reason=reason, note=note)
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        if verification.staff_decision == decision and verification.staff_decision_reason == reason:
            return StaffResult(False, _("Our team already decided this."))
        before = verification.staff_decision or "-"
        Verification.objects.filter(pk=verification.pk).update(
            staff_decision=decision,
            staff_decision_reason=reason,
            staff_decision_note=note,
            staff_decided_by=actor,
            staff_decided_at=timezone.now(),
        )
        audit_record(
            verification=verification,
            action=f"staff_decision_{decision}",
            source="staff",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note=f"was {before}; {reason}: {note}",
        )
    return StaffResult(True, _("Recorded: %s.") % StaffDecision(decision).label)
