"""A VERIFIED customer the provider resets on its side: never dropped, put in front of staff.

The emulator resets the customer by itself (its provider-reset control), with the webhook
DollarPe would send, or silently, so that only polling's re-check of verified customers
can find it. Staff find the case with the admin's filter and apply or dismiss it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kyc.models import Status, Verification
from kyc.services.polling import processing_poll, verification_poll
from tests.admin.conftest import ROLES, staff_member
from tests.support import builders
from tests.support.waiting import wait_for
from tests.webhooks.test_processing import verified

pytestmark = pytest.mark.django_db(transaction=True)
LIST = reverse("admin:kyc_verification_changelist")


def flagged(verification: Verification) -> Verification:
    return wait_for(
        lambda: Verification.objects.get(pk=verification.pk),
        lambda row: row.provider_downgrade is not None,
    )


def officer_client() -> Client:
    client = Client()
    client.force_login(staff_member(ROLES.OFFICER))
    return client


def test_a_reset_at_the_provider_reaches_staff_by_webhook_and_staff_apply_it(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    verification = verified(emulator)
    emulator.provider_reset(builders.customer_id(verification))
    row = flagged(verification)
    assert row.status == Status.VERIFIED  # never downgraded by itself
    assert (row.provider_downgrade or {}).get("status") == Status.UNVERIFIED
    reported = row.audit_events.get(action="downgrade_reported")
    assert (reported.from_status, reported.to_status) == (Status.VERIFIED, Status.UNVERIFIED)

    client = officer_client()
    page = client.get(LIST, {"downgrade": "reported"}).content.decode()
    assert verification.full_name in page
    assert "the provider reports: Not submitted" in page

    action = {"action": "accept_downgrade_selected", "_selected_action": [verification.pk]}
    assert "1 of 1 verification done." in client.post(LIST, action, follow=True).content.decode()
    row.refresh_from_db()
    assert (row.status, row.provider_downgrade) == (Status.UNVERIFIED, None)
    assert row.audit_events.filter(action="kyc_reset", source="staff").exists()


def test_polling_rechecks_verified_customers_and_surfaces_a_silent_reset(
    hook_url: str, emulator: Any, celery_worker: Any, settings: Any
) -> None:
    verification = verified(emulator)
    emulator.provider_reset(builders.customer_id(verification), webhook=False)
    assert verification.pk not in claimed(processing_poll())  # verified just now: not due
    # As if verified longer ago than the re-check interval: due, and the worker runs it.
    past = timezone.now() - timedelta(seconds=settings.KYC_RECHECK_VERIFIED_EVERY + 60)
    Verification.objects.filter(pk=verification.pk).update(status_changed_at=past)
    assert verification.pk in claimed(processing_poll())
    row = flagged(verification)
    assert row.status == Status.VERIFIED
    assert (row.provider_downgrade or {}).get("status") == Status.UNVERIFIED
    assert row.verified_checked_at is not None
    # The next re-check finds the same report: nothing new for the audit trail.
    Verification.objects.filter(pk=row.pk).update(verified_checked_at=None, last_checked_at=None)
    assert verification_poll(verification_id=row.pk) == "kyc: already flagged for staff"
    assert row.audit_events.filter(action="downgrade_reported").count() == 1


def test_staff_may_dismiss_the_report_and_the_customer_stays_verified(
    hook_url: str, emulator: Any, celery_worker: Any
) -> None:
    verification = verified(emulator)
    emulator.provider_reset(builders.customer_id(verification))
    flagged(verification)
    client = officer_client()
    action = {"action": "dismiss_downgrade_selected", "_selected_action": [verification.pk]}
    assert "1 of 1 verification done." in client.post(LIST, action, follow=True).content.decode()
    verification.refresh_from_db()
    assert (verification.status, verification.provider_downgrade) == (Status.VERIFIED, None)
    dismissed = verification.audit_events.get(action="downgrade_dismissed")
    assert dismissed.source == "staff"


def test_a_verified_customer_with_a_processing_bank_account_is_not_asked_about_each_time(
    hook_url: str, emulator: Any, celery_worker: Any, settings: Any
) -> None:
    """Bank polls come often; the KYC re-check only every KYC_RECHECK_VERIFIED_EVERY."""
    settings.KYC_RECHECK_VERIFIED_EVERY = 3600
    verification = verified(emulator)
    assert verification_poll(verification_id=verification.pk) == "nothing to check"


def claimed(plan: Any) -> set[int]:
    return {verification_id for verification_id, _ in plan.checks}
