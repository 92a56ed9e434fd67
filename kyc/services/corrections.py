"""What a failed applicant can correct: the neutral failure reason, filtered by the
provider's correction policy (Capabilities.fixes), within their correction limit."""

from __future__ import annotations

from kyc.models import REASON_FIX, CustomerState, FixKind, Status, Submission, Verification
from kyc.providers.registry import capabilities

# The correction submissions our pages and staff make, one per kind of fix.
UPDATE_KINDS = {
    FixKind.DOCUMENT: Submission.Kind.DOCUMENT,
    FixKind.TAX: Submission.Kind.TAX,
    FixKind.SELFIE: Submission.Kind.SELFIE,
    FixKind.ADDITIONAL_INFO: Submission.Kind.ADDITIONAL_INFO,
}


def fix_kind(verification: Verification) -> FixKind:
    """What the user can send again: the failure's neutral reason, if the provider's
    correction policy takes that correction at all."""
    if verification.status != Status.FAILED:
        return FixKind.NONE
    kind = REASON_FIX.get(verification.failure_reason, FixKind.NONE)
    if kind not in capabilities(verification.provider).fixes:
        return FixKind.NONE
    return kind


def fixable(verification: Verification) -> bool:
    """The user can correct the failure themselves, in our pages, with an attempt left."""
    return fix_kind(verification) in UPDATE_KINDS and verification.corrections_left != 0


# --- hosted collection: back to the provider's pages -----------------------------------------
def may_hand_off(verification: Verification) -> bool:
    """The applicant can be sent to the provider's pages now: before the first case, while a
    case waits for them, or to start again after an expired one."""
    if capabilities(verification.provider).collection != "hosted":
        return False
    if verification.customer_state != CustomerState.CREATED:
        return False
    if verification.status in (Status.UNVERIFIED, Status.ACTION_REQUIRED):
        return True
    return may_restart(verification)


def may_restart(verification: Verification) -> bool:
    return (
        verification.status == Status.FAILED
        and fix_kind(verification) == FixKind.RESTART
        and verification.corrections_left != 0
    )
