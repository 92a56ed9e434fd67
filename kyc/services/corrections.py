"""What a failed applicant can correct: the neutral failure reason, filtered by the
provider's correction policy (Capabilities.fixes), within their correction limit."""

from __future__ import annotations

from kyc.models import REASON_FIX, FixKind, Status, Submission, Verification
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
