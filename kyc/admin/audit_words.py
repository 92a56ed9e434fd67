"""The audit trail in words: each action's code and each status on a transition, as staff
read them (the codes stay in the database, the filters and the CSV)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kyc.models import AuditEvent, BankAccount, CaseState, Status

ACTION_WORDS: dict[str, Any] = {
    "approval_approved": _("Four eyes: approved"),
    "approval_executed": _("Four eyes: approved request run"),
    "approval_expired": _("Four eyes: request expired"),
    "approval_not_executed": _("Four eyes: approved request not run"),
    "approval_rejected": _("Four eyes: rejected"),
    "approval_requested": _("Four eyes: approval asked"),
    "bank_added": _("Bank account added"),
    "bank_readded": _("Bank account added again"),
    "bank_refused": _("Bank account refused"),
    "bank_status_changed": _("Bank account status changed"),
    "bank_suspended": _("Bank account suspended"),
    "case_assigned": _("Case assigned"),
    "case_claimed": _("Case claimed"),
    "case_released": _("Case released"),
    "case_state_changed": _("Case state changed"),
    "challenge_answered": _("Challenge answered"),
    "client_override": _("Our verification recorded at the provider"),
    "client_override_failed": _("Our verification not recorded at the provider"),
    "customer_create_deferred": _("Customer creation deferred"),
    "customer_create_retried": _("Customer creation retried"),
    "customer_created": _("Customer created at the provider"),
    "customer_rejected": _("Customer refused by the provider"),
    "document_accepted": _("Document accepted at the provider"),
    "document_accepted_failed": _("Document not accepted at the provider"),
    "document_refused": _("Document refused by our checks"),
    "document_rejected": _("Document rejected at the provider"),
    "document_rejected_failed": _("Document not rejected at the provider"),
    "document_reupload_requested": _("New upload of a document asked"),
    "document_reuploaded": _("Document uploaded again"),
    "document_review_accepted": _("Document accepted by our team"),
    "document_review_rejected": _("Document refused by our team"),
    "document_sent_anyway": _("Document sent anyway"),
    "documents_viewed": _("Documents viewed"),
    "downgrade_dismissed": _("Provider downgrade dismissed"),
    "downgrade_reported": _("Provider downgrade reported"),
    "downgrade_withdrawn": _("Provider downgrade withdrawn"),
    "duplicates_cleared": _("Duplicates cleared"),
    "duplicates_found": _("Duplicates found"),
    "hold_lifted": _("Hold lifted"),
    "hold_placed": _("Put on hold"),
    "hosted_restarted": _("Hosted verification started again"),
    "identity_data_viewed": _("Identity data viewed"),
    "kyc_reset": _("KYC reset"),
    "list_exported": _("List exported (CSV)"),
    "note_added": _("Note added"),
    "outcome_force_refused": _("Forced outcome refused"),
    "outcome_forced": _("Outcome forced (sandbox)"),
    "phone_link_created": _("Phone link created"),
    "phone_link_redeemed": _("Phone link used"),
    "profile_correction_requested": _("Profile correction asked"),
    "profile_saved": _("Profile saved"),
    "profile_updated": _("Profile updated"),
    "resubmission_requested": _("Resubmission asked"),
    "staff_decision_approved": _("Our decision: approved"),
    "staff_decision_rejected": _("Our decision: rejected"),
    "staff_refresh_failed": _("Refresh from the provider failed"),
    "staff_reset_refused": _("Reset refused by the provider"),
    "status_changed": _("Status changed"),
    "status_checked": _("Status checked"),
    "status_ignored": _("Status report ignored"),
    "submission_put_back": _("Submission put back"),
    "submission_queued": _("Submission queued"),
    "submission_refused": _("Submission refused"),
    "submission_requeued": _("Submission queued again"),
    "submission_sent": _("Submission sent"),
    "webhook_reprocess": _("Webhook processed again"),
}
# A transition's end is a verification status, a case state or a bank account's state.
STATE_WORDS: dict[str, Any] = {
    **dict(BankAccount.State.choices),
    **dict(CaseState.choices),
    **dict(Status.choices),
}


def action_words(code: str) -> str:
    """The action in words; an action this table does not know yet, as its code."""
    return str(ACTION_WORDS.get(code, code))


def state_words(code: str) -> str:
    return str(STATE_WORDS.get(code, code)) if code else "—"


def transition_words(event: AuditEvent) -> str:
    if not (event.from_status or event.to_status):
        return "—"
    return f"{state_words(event.from_status)} → {state_words(event.to_status)}"
