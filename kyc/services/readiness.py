"""The one place that decides whether a user is ready to transact (add a bank account,
pay and be paid): our own decision first, then the provider's, and never while on hold.

Kept apart from holds.py and decisions.py (which change these fields) so that the bank
service and the journey can ask without importing the staff services.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kyc.models import StaffDecision, Status, Verification


def on_hold(verification: Verification) -> bool:
    return verification.held_at is not None


def verified_for_us(verification: Verification) -> bool:
    """The decision that counts: ours when we made one, else the provider's.

    Ours wins both ways: a rejection of ours stops a customer the provider verified, and an
    approval of ours (the provider failed them, our review passed them) lets them through.
    The provider's status stays as it reported it; both are shown to staff.
    """
    if verification.staff_decision:
        return verification.staff_decision == StaffDecision.APPROVED
    return verification.status == Status.VERIFIED


def ready_to_transact(verification: Verification) -> bool:
    """Verified (our decision first) and not on hold: may add a bank account and transact."""
    return verified_for_us(verification) and not on_hold(verification)


def hold_refusal(verification: Verification) -> str:
    """What the applicant reads when a hold stops them ("" when not held)."""
    if not on_hold(verification):
        return ""
    return _(
        "Your account is being reviewed by our team. You cannot add a bank account or "
        "transact until the review is finished; nothing you entered is lost."
    )
