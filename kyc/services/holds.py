"""Holds: an officer puts any verification on hold and lifts it.

A hold has a reason code and a note (both required), its lifting a note. While held the
applicant cannot add a bank account and is not ready to transact, whatever the provider
decided (kyc/services/readiness.py says so, in one place). Each change is compare-and-set
and audited in the same transaction; a refusal that changed nothing leaves no entry.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kyc.models import CaseState, HoldReason, Verification
from kyc.services.audit import audit_record
from kyc.services.cases import case_resume, case_set_state
from kyc.services.staff import StaffActionRefused, StaffResult, clean_note


def _case_state_changed(*, verification: Verification, held: bool, actor: Any) -> None:
    """The work queue follows the hold (inside the hold's transaction): a held case is on
    hold; once lifted it goes back to what the verification's life says."""
    if held:
        case_set_state(verification=verification, state=CaseState.ON_HOLD, actor=actor)
    else:
        case_resume(verification=verification, actor=actor)


def hold_place(*, verification_id: int, actor: Any, reason: str, note: str) -> StaffResult:
    """Put the verification on hold (refused when it already is)."""
    if reason not in HoldReason.values:
        raise StaffActionRefused(_("Choose why the verification is put on hold."))
    note = clean_note(note, required=True)
    with transaction.atomic():
        now = timezone.now()
        placed = Verification.objects.filter(pk=verification_id, held_at__isnull=True).update(
            held_at=now, hold_reason=reason, hold_note=note, held_by=actor, updated_at=now
        )
        if not placed:
            return StaffResult(False, _("The verification is already on hold."))
        verification = Verification.objects.get(pk=verification_id)
        audit_record(
            verification=verification,
            action="hold_placed",
            source="staff",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note=f"{reason}: {note}",
        )
        _case_state_changed(verification=verification, held=True, actor=actor)
    return StaffResult(True, _("On hold: %s.") % HoldReason(reason).label)


def hold_lift(*, verification_id: int, actor: Any, note: str) -> StaffResult:
    """Lift the hold (refused when there is none)."""
    note = clean_note(note, required=True)
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        if verification.held_at is None:
            return StaffResult(False, _("The verification is not on hold."))
        was = verification.hold_reason
        Verification.objects.filter(pk=verification.pk).update(
            held_at=None, hold_reason="", hold_note="", held_by=None, updated_at=timezone.now()
        )
        audit_record(
            verification=verification,
            action="hold_lifted",
            source="staff",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note=f"was {was}: {note}",
        )
        _case_state_changed(verification=verification, held=False, actor=actor)
    return StaffResult(True, _("The hold was lifted."))
