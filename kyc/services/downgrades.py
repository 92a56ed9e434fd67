"""A provider no longer says VERIFIED for a customer we verified: put it before staff.

House rule: a stale or out-of-order report never downgrades a final state. A provider can
also genuinely move a customer back (a reset on its side, a later screening hit), and
dropping that would leave us calling verified someone the provider no longer does. So a
report that is not older than our decision (kyc/services/status.py tells the two apart by
case, revision and time) is recorded on the verification (provider_downgrade), audited,
and shown in the admin (the "Provider reports a downgrade" filter), where staff apply it
or dismiss it (kyc/services/staff.py). It is never applied by itself: the decision has
consequences (payouts, bank accounts, the user's email) that a human should own, and a
provider's mistaken reset must not undo a verification silently either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from kyc.models import Status, Verification
from kyc.services.audit import audit_record
from kyc.services.cases import case_follow

FLAGGED = "flagged for staff: the provider no longer reports this customer verified"
ALREADY_FLAGGED = "already flagged for staff"
# What of the provider's report is kept: enough to apply it as it was said.
REPORT_FIELDS = ("status", "failure_reason", "provider_status", "provider_reason")


def downgrade_report(
    *,
    current: Verification,
    stored: dict[str, Any],
    reported_at: datetime,
    source: str,
    actor: Any,
    note: str,
) -> str:
    """Record the provider's report on a VERIFIED verification (row locked by the caller);
    the same report again (a poll, say) changes and audits nothing."""
    report: dict[str, Any] = {name: stored[name] for name in REPORT_FIELDS}
    previous = current.provider_downgrade or {}
    if all(previous.get(name) == value for name, value in report.items()):
        return ALREADY_FLAGGED
    report["reported_at"] = reported_at.isoformat()
    Verification.objects.filter(pk=current.pk, status=Status.VERIFIED).update(
        provider_downgrade=report
    )
    said = f" ({stored['provider_reason']})" if stored["provider_reason"] else ""
    audit_record(
        verification=current,
        action="downgrade_reported",
        source=source,
        actor=actor,
        from_status=current.status,
        to_status=stored["status"],
        note=f"{FLAGGED}: {stored['provider_status']}{said}. {note}".strip(),
    )
    return FLAGGED


def downgrade_withdrawn(
    *, current: Verification, reported_at: datetime, source: str, actor: Any, note: str
) -> bool:
    """The provider reports VERIFIED again, later than its downgrade: the flag goes."""
    flagged = current.provider_downgrade
    if not flagged or reported_at <= datetime.fromisoformat(flagged["reported_at"]):
        return False
    Verification.objects.filter(pk=current.pk).update(provider_downgrade=None)
    audit_record(
        verification=current,
        action="downgrade_withdrawn",
        source=source,
        actor=actor,
        from_status=flagged["status"],
        to_status=Status.VERIFIED,
        note=f"the provider reports the customer verified again. {note}".strip(),
    )
    return True


def downgrade_dismiss(*, verification_id: int, actor: Any, note: str) -> bool:
    """Staff looked into the provider's report and keep the customer VERIFIED; False when
    there was no report (any more). The provider reporting it again (a later webhook, the
    next re-check) flags it again: the disagreement is still there."""
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification_id)
        flagged = current.provider_downgrade
        if not flagged:
            return False
        Verification.objects.filter(pk=current.pk).update(provider_downgrade=None)
        audit_record(
            verification=current,
            action="downgrade_dismissed",
            source="staff",
            actor=actor,
            from_status=flagged["status"],
            to_status=current.status,
            note=note or "the provider's report was dismissed by staff",
        )
        case_follow(verification_id=current.pk, source="staff", actor=actor, moved=False)
    return True
