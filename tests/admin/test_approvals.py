"""Four eyes and our own decisions (issue 16, item 3): a reset, a decision or a bulk
resubmission is asked for by one officer and runs only once another approves it, exactly
as asked and only if still valid; the requester cannot decide it; a rejection runs nothing;
an undecided request expires; every step is on the audit trail. Our decision is recorded
beside the provider's and readiness follows it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kyc.models import ApprovalRequest, AuditEvent, Status, Verification
from kyc.services.polling import verification_refresh
from kyc.services.readiness import ready_to_transact
from kyc.services.status import verification_apply_status
from kyc.tasks import expire_approvals
from tests.admin.conftest import approve_pending, verification_row
from tests.admin.test_actions import run, verified
from tests.onboarding.conftest import (
    make_user,
    post_with_errors,
    submitted_verification,
    verified_verification,
)

pytestmark = pytest.mark.django_db
PENDING = reverse("admin:kyc_approvalrequest_pending")
BANK = reverse("onboarding:bank")


def change_url(verification: Verification) -> str:
    return reverse("admin:kyc_verification_change", args=[verification.pk])


def decide_url(request: ApprovalRequest) -> str:
    return reverse("admin:kyc_approvalrequest_decide", args=[request.pk])


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def ask_decision(client: Client, verification: Verification, decision: str, reason: str) -> Any:
    return run(
        client,
        verification,
        "decide",
        confirm="yes",
        decision=decision,
        decision_reason=reason,
        note="Checked by hand",
    )


def actions_on(verification: Verification) -> list[str]:
    events = AuditEvent.objects.filter(verification=verification, action__startswith="approval_")
    return list(events.order_by("pk").values_list("action", flat=True))


def test_the_requester_cannot_approve_their_own_reset(emulator, officer_client, officer):
    verification = verified(emulator)
    run(officer_client, verification, "reset", confirm="yes", note="Wrong person")
    request = ApprovalRequest.objects.get()
    assert (request.action, request.state, request.requested_by) == ("reset", "pending", officer)
    assert list(request.verifications.all()) == [verification]
    page = officer_client.get(change_url(verification)).content.decode()
    assert "Awaiting approval" in page
    pending = officer_client.get(PENDING).content.decode()
    assert "You asked for this: another officer must decide it." in pending
    assert "Approve and run" not in pending
    response = officer_client.post(decide_url(request), {"decision": "approve"}, follow=True)
    assert messages_of(response) == ["You asked for this: another officer must decide it."]
    request.refresh_from_db()
    assert request.state == "pending"
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert actions_on(verification) == ["approval_requested"]


def test_a_second_officer_approves_and_the_reset_runs_as_asked(
    emulator, officer_client, officer, second_officer_client, second_officer
):
    verification = verified(emulator)
    run(officer_client, verification, "reset", confirm="yes", note="Identity theft")
    pending = second_officer_client.get(PENDING).content.decode()
    assert "Identity theft" in pending
    assert "Approve and run" in pending
    messages = approve_pending(second_officer_client)
    assert messages[0].startswith("Approved and run: 1 of 1 verification done.")
    request = ApprovalRequest.objects.get()
    assert (request.state, request.decided_by) == ("approved", second_officer)
    assert "KYC was reset" in request.result
    verification.refresh_from_db()
    assert verification.status == Status.UNVERIFIED
    assert emulator.customer(verification.provider_customer_id)["status"] == "UNVERIFIED"
    reset = AuditEvent.objects.get(verification=verification, action="kyc_reset")
    assert (reset.actor, reset.note) == (officer, "Identity theft")  # as the requester asked
    assert actions_on(verification) == [
        "approval_requested",
        "approval_approved",
        "approval_executed",
    ]
    approved = AuditEvent.objects.get(verification=verification, action="approval_approved")
    assert approved.actor == second_officer
    # Decided once: approving again runs nothing more.
    again = second_officer_client.post(decide_url(request), {"decision": "approve"}, follow=True)
    assert messages_of(again) == ["This request is already Approved."]
    assert AuditEvent.objects.filter(action="kyc_reset").count() == 1


def test_a_rejected_request_runs_nothing(emulator, officer_client, second_officer_client):
    verification = verified(emulator)
    run(officer_client, verification, "reset", confirm="yes", note="Wrong person")
    request = ApprovalRequest.objects.get()
    response = second_officer_client.post(
        decide_url(request), {"decision": "reject", "note": "Same person"}, follow=True
    )
    assert messages_of(response) == [f"Request #{request.pk} rejected: nothing was run."]
    request.refresh_from_db()
    assert (request.state, request.decision_note) == ("rejected", "Same person")
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert actions_on(verification) == ["approval_requested", "approval_rejected"]


def test_the_same_action_is_not_asked_for_twice_while_it_waits(officer_client):
    verification = verification_row(status=Status.VERIFIED)
    run(officer_client, verification, "reset", confirm="yes", note="One")
    again = run(officer_client, verification, "reset", confirm="yes", note="Two")
    assert again == ["This action already awaits a second officer's approval."]
    assert ApprovalRequest.objects.count() == 1
    assert actions_on(verification) == ["approval_requested"]


def test_a_request_nobody_decided_expires(officer_client, second_officer_client, settings):
    verification = verification_row(status=Status.VERIFIED)
    run(officer_client, verification, "reset", confirm="yes", note="Wrong person")
    request = ApprovalRequest.objects.get()
    hours = settings.KYC_APPROVAL_EXPIRY_HOURS
    assert request.expires_at - request.created_at > timedelta(hours=hours, seconds=-5)
    ApprovalRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())
    assert "Awaiting approval" not in officer_client.get(change_url(verification)).content.decode()
    response = second_officer_client.post(decide_url(request), {"decision": "approve"}, follow=True)
    assert messages_of(response) == ["This request is already Expired."]
    expired = AuditEvent.objects.get(verification=verification, action="approval_expired")
    assert (expired.source, expired.actor) == ("system", None)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


def test_the_beat_expires_requests_nobody_looked_at(officer_client, eager_tasks):
    verification = verification_row(status=Status.VERIFIED)
    run(officer_client, verification, "reset", confirm="yes", note="Wrong person")
    request = ApprovalRequest.objects.get()
    assert expire_approvals.delay().get() == 0  # not due yet
    ApprovalRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())
    assert expire_approvals.delay().get() == 1  # nobody opened a page
    request.refresh_from_db()
    assert request.state == ApprovalRequest.State.EXPIRED
    assert AuditEvent.objects.filter(verification=verification, action="approval_expired").exists()
    assert "kyc.tasks.expire_approvals" in {
        entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_an_approved_request_is_not_run_on_a_verification_that_moved_on(
    officer_client, second_officer_client
):
    verification = verification_row(status=Status.PROCESSING)
    ask_decision(officer_client, verification, "rejected", "suspected_fraud")
    verification_apply_status(
        verification_id=verification.pk, status=Status.VERIFIED, source="provider"
    )
    messages = approve_pending(second_officer_client)
    assert "Not run: its status changed since the request." in messages[0]
    verification.refresh_from_db()
    assert verification.staff_decision == ""
    assert actions_on(verification)[-1] == "approval_not_executed"


def test_our_rejection_stops_a_customer_the_provider_verified(
    emulator, officer_client, officer, second_officer_client
):
    user = make_user()
    client = Client()
    client.force_login(user)
    verification = verified_verification(user, emulator)
    ask_decision(officer_client, verification, "rejected", "sanctions_match")
    assert ready_to_transact(verification)  # not yet: a second officer must approve
    approve_pending(second_officer_client)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED  # the provider's, as it reported it
    assert (verification.staff_decision, verification.staff_decision_reason) == (
        "rejected",
        "sanctions_match",
    )
    assert verification.staff_decided_by == officer
    assert not ready_to_transact(verification)
    page = officer_client.get(change_url(verification)).content.decode()
    assert "Rejected by our team" in page
    assert "the provider says Verified; ours is what counts" in page
    assert client.get(BANK)["Location"] == reverse("onboarding:status")
    assert (
        "We could not verify your identity"
        in client.get(reverse("onboarding:status")).content.decode()
    )
    decided = AuditEvent.objects.get(verification=verification, action="staff_decision_rejected")
    assert decided.actor == officer


def test_our_approval_lets_through_a_customer_the_provider_failed(
    emulator, officer_client, second_officer_client
):
    user = make_user()
    client = Client()
    client.force_login(user)
    verification = submitted_verification(user, tax_number="ABCPE0000F")  # the emulator fails it
    emulator.decide(verification.provider_customer_id)
    verification_refresh(verification_id=verification.pk, source="system")
    verification.refresh_from_db()
    assert verification.status == Status.FAILED
    assert client.get(BANK)["Location"] == reverse("onboarding:status")
    ask_decision(officer_client, verification, "approved", "provider_error")
    approve_pending(second_officer_client)
    verification.refresh_from_db()
    assert (verification.status, verification.staff_decision) == (Status.FAILED, "approved")
    assert ready_to_transact(verification)
    assert "Verified" in client.get(reverse("onboarding:status")).content.decode()
    # Our side lets them through to the bank step; DollarPe itself verifies bank accounts of
    # customers it verified only: its refusal shows on the page, what was typed kept.
    assert client.get(BANK).status_code == 200
    refused = post_with_errors(client, BANK, {"kind": "vpa", "vpa": "asha@okaxis"})
    text = refused.content.decode()
    assert "Your identity must be verified before you add a bank account." in text
    assert 'value="asha@okaxis"' in text
    # A hold still wins over our approval.
    run(
        officer_client,
        verification,
        "hold",
        confirm="yes",
        reason="document_query",
        note="Check the address",
    )
    assert not ready_to_transact(verification)
    held = client.get(BANK).content.decode()
    assert "Your account is being reviewed by our team." in held


def test_a_decision_needs_a_reason_code(officer_client):
    verification = verification_row()
    assert ask_decision(officer_client, verification, "approved", "whim") == [
        "Choose the reason for the decision."
    ]
    assert ask_decision(officer_client, verification, "maybe", "other") == [
        "Choose to approve or to reject."
    ]
    assert not ApprovalRequest.objects.exists()
    assert (
        not AuditEvent.objects.filter(verification=verification, source="staff")
        .exclude(action="identity_data_viewed")
        .exists()
    )


def test_a_viewer_sees_requests_but_cannot_decide_them(officer_client, viewer_client):
    verification = verification_row(status=Status.VERIFIED)
    run(officer_client, verification, "reset", confirm="yes", note="Wrong person")
    request = ApprovalRequest.objects.get()
    page = viewer_client.get(PENDING)
    assert page.status_code == 200
    assert "Wrong person" in page.content.decode()
    assert "Approve and run" not in page.content.decode()
    assert viewer_client.post(decide_url(request), {"decision": "approve"}).status_code == 403
    request.refresh_from_db()
    assert request.state == "pending"
