"""A customer the provider refused (CustomerState.REJECTED), tried again.

The applicant corrects the profile in the journey (verification_save_profile opens it
again and the profile step creates the customer anew). Staff can ask them to, by email;
or, when the cause was on the provider's side (a duplicate it has since removed, say),
ask the provider again with the profile as it stands. Both are audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kyc.models import CustomerState, Verification
from kyc.providers.errors import ProviderError, TransientProviderError
from kyc.services.audit import audit_record
from kyc.services.customers import verification_create_customer
from kyc.services.notify import email_after_commit
from kyc.services.staff import StaffResult, clean_note


def profile_refused(verification: Verification) -> bool:
    return verification.customer_state == CustomerState.REJECTED


def staff_retry_customer(*, verification_id: int, actor: Any) -> StaffResult:
    """Create the refused customer again at the provider, with the stored profile."""
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        moved = Verification.objects.filter(
            pk=verification.pk, customer_state=CustomerState.REJECTED
        ).update(customer_state=CustomerState.PENDING)
        if not moved:
            return StaffResult(False, _("The provider has not refused this profile."))
        audit_record(
            verification=verification,
            action="customer_create_retried",
            source="staff",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note="; ".join(
                f"{field}: {' '.join(map(str, words))}"
                for field, words in (verification.customer_errors or {}).items()
            ),
        )
    try:
        outcome = verification_create_customer(verification_id=verification.pk)
    except TransientProviderError:
        return StaffResult(True, _("The provider did not answer: it is asked again shortly."))
    except ProviderError as exc:
        return StaffResult(False, _("The provider refused or did not answer: %s") % exc.message)
    if outcome.created:
        return StaffResult(True, _("The customer is now created at the provider."))
    return StaffResult(
        False, _("The provider refused the profile again: ask the user to correct it.")
    )


def staff_request_profile_correction(
    *, verification_id: int, actor: Any, note: str = ""
) -> StaffResult:
    """Email the applicant that the provider refused their profile, with the link back."""
    note = clean_note(note)
    verification = Verification.objects.get(pk=verification_id)
    if not profile_refused(verification):
        return StaffResult(False, _("The provider has not refused this profile."))
    fields = ", ".join(sorted(verification.customer_errors or {}))
    with transaction.atomic():
        audit_record(
            verification=verification,
            action="profile_correction_requested",
            source="staff",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note=" ".join(filter(None, [f"fields: {fields}." if fields else "", note])),
        )
        email_after_commit(verification_id=verification.pk, template="profile_refused", note=note)
    return StaffResult(True, _("The user was asked to correct their profile."))
