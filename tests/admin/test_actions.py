"""Each staff action: one service call, its effect, its audit entry, what it reports.

Refresh, reset, force and resubmit talk to the DollarPe emulator over HTTP; the
verifications are built through the real services (tests.support.builders).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse

from kyc.admin.actions import MAX_BULK
from kyc.models import AuditEvent, Status, Submission, Verification
from kyc.services import staff
from kyc.services.polling import verification_refresh
from kyc.services.submissions import submission_send
from tests.admin.conftest import ago, approve_pending, verification_row
from tests.support.builders import customer, processing, queued_submission, sent

pytestmark = pytest.mark.django_db
LIST = reverse("admin:kyc_verification_changelist")


def action_url(verification: Verification, action: str) -> str:
    return reverse("admin:kyc_verification_staff_action", args=[verification.pk, action])


def run(client, verification: Verification, action: str, **data: Any) -> list[str]:
    response = client.post(action_url(verification, action), data, follow=True)
    change = reverse("admin:kyc_verification_change", args=[verification.pk])
    assert response.redirect_chain == [(change, 302)], response.content[:500]
    verification.refresh_from_db()
    return [str(message) for message in response.context["messages"]]


def staff_changes(verification: Verification | None = None) -> Any:
    """Staff entries of the audit trail but the views of the page each action returns to."""
    events = AuditEvent.objects.exclude(action="identity_data_viewed")
    if verification is not None:
        events = events.filter(verification=verification, source="staff")
    return events


def staff_audit(verification: Verification, action: str) -> AuditEvent:
    return AuditEvent.objects.get(verification=verification, action=action, source="staff")


def decided(verification: Verification, emulator) -> Verification:
    """The emulator decides now; we learn it the way the poller would."""
    emulator.decide(verification.provider_customer_id)
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    return verification


def verified(emulator) -> Verification:
    verification = decided(processing(), emulator)
    assert verification.status == Status.VERIFIED
    return verification


def failed_tax(emulator) -> Verification:
    verification = customer()
    sent(queued_submission(verification, tax_number="ABCPE0000F"))  # the emulator's magic value
    verification = decided(verification, emulator)
    assert (verification.failure_reason, verification.provider_reason) == (
        "tax_number",
        "TAX_VERIFICATION_FAILED",
    )
    return verification


# --- refresh ---------------------------------------------------------------------------------
def test_refresh_applies_the_status_the_provider_reports(emulator, officer_client, officer):
    verification = processing()
    emulator.decide(verification.provider_customer_id)
    messages = run(officer_client, verification, "refresh")
    assert verification.status == Status.VERIFIED
    assert messages == ["Status is now Verified."]
    audit = staff_audit(verification, "status_changed")
    assert (audit.actor, audit.from_status, audit.to_status) == (officer, "PROCESSING", "VERIFIED")
    # Nothing new: still one call and one entry saying staff checked.
    messages = run(officer_client, verification, "refresh")
    assert messages == ["Status unchanged (already in this status)."]
    assert staff_audit(verification, "status_checked").actor == officer


def test_refresh_from_the_list_reports_a_count(emulator, officer_client):
    verification = processing()
    emulator.decide(verification.provider_customer_id)
    no_customer = verification_row(provider_customer_id=None, full_name="Not Created Yet")
    response = officer_client.post(
        LIST,
        {"action": "refresh_selected", "_selected_action": [verification.pk, no_customer.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 of 2 verifications done." in page
    assert "Not Created Yet: The customer does not exist at the provider yet." in page
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


def test_a_bulk_action_is_capped(officer_client):
    for _ in range(MAX_BULK + 1):
        verification_row()
    response = officer_client.post(
        LIST,
        {"action": "refresh_selected", "select_across": "1", "index": "0", "_selected_action": [1]},
        follow=True,
    )
    assert f"Select at most {MAX_BULK} verifications" in response.content.decode()
    assert not AuditEvent.objects.exists()


# --- reset -----------------------------------------------------------------------------------
def test_reset_asks_for_approval_then_resets_at_the_provider_and_here(
    emulator, officer_client, officer, second_officer_client
):
    verification = verified(emulator)
    url = action_url(verification, "reset")
    confirmation = officer_client.get(url)
    assert confirmation.status_code == 200
    assert "Ask a second officer to approve the reset" in confirmation.content.decode()
    # Posting without the confirmation shows the page again and changes nothing.
    assert officer_client.post(url, {"note": "x"}).status_code == 200
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    messages = run(officer_client, verification, "reset", confirm="yes", note="Redo with AADHAAR")
    assert messages[0].startswith("Sent for approval (request #")
    assert verification.status == Status.VERIFIED  # four eyes: not run yet
    messages = approve_pending(second_officer_client)
    assert "KYC was reset: the user can submit again." in messages[0]
    verification.refresh_from_db()
    assert verification.status == Status.UNVERIFIED
    assert emulator.customer(verification.provider_customer_id)["status"] == "UNVERIFIED"
    audit = staff_audit(verification, "kyc_reset")
    assert (audit.actor, audit.from_status, audit.to_status) == (officer, "VERIFIED", "UNVERIFIED")
    assert audit.note == "Redo with AADHAAR"


def test_a_reset_the_provider_refuses_changes_nothing_and_is_recorded(
    emulator, officer_client, second_officer_client
):
    emulator.config(auto_decision=False)
    verification = processing()  # the provider resets VERIFIED customers only
    run(officer_client, verification, "reset", confirm="yes", note="Wrong person")
    messages = approve_pending(second_officer_client)
    assert "The provider refused or did not answer:" in messages[0]
    verification.refresh_from_db()
    assert verification.status == Status.PROCESSING
    assert "reset for VERIFIED customers" in staff_audit(verification, "staff_reset_refused").note


def test_reset_from_the_list_goes_through_a_confirmation_page_and_approval(
    emulator, officer_client, second_officer_client
):
    verification = verified(emulator)
    data = {"action": "reset_selected", "_selected_action": [verification.pk]}
    confirmation = officer_client.post(LIST, data)
    assert confirmation.status_code == 200
    assert "Ask a second officer to approve the reset" in confirmation.content.decode()
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    asked = officer_client.post(LIST, {**data, "confirm": "yes", "note": "bulk"}, follow=True)
    assert "Sent for approval" in asked.content.decode()
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert "1 of 1 verification done." in approve_pending(second_officer_client)[0]
    verification.refresh_from_db()
    assert verification.status == Status.UNVERIFIED


# --- force an outcome (sandbox) ---------------------------------------------------------------
def test_force_outcome_makes_the_provider_decide_and_applies_it(emulator, officer_client, officer):
    emulator.config(auto_decision=False)
    verification = processing()
    messages = run(officer_client, verification, "force_outcome", outcome="TAX_VERIFICATION_FAILED")
    assert messages == ["Forced: TAX_VERIFICATION_FAILED."]
    assert (verification.status, verification.failure_reason, verification.provider_reason) == (
        Status.FAILED,
        "tax_number",
        "TAX_VERIFICATION_FAILED",
    )
    assert emulator.customer(verification.provider_customer_id)["status"] == "FAILED"
    assert staff_audit(verification, "outcome_forced").actor == officer
    assert staff_audit(verification, "status_changed").to_status == Status.FAILED


def test_force_outcome_refuses_an_unknown_outcome(emulator, officer_client):
    verification = processing()
    messages = run(officer_client, verification, "force_outcome", outcome="APPROVE_EVERYTHING")
    assert messages == ["Unknown outcome."]
    assert not staff_changes(verification).exists()


@override_settings(DOLLARPE_SANDBOX=False)
def test_force_outcome_exists_only_in_sandbox_mode(officer_client, officer):
    verification = verification_row()
    page = officer_client.get(
        reverse("admin:kyc_verification_change", args=[verification.pk])
    ).content.decode()
    assert action_url(verification, "force_outcome") not in page
    assert action_url(verification, "refresh") in page
    response = officer_client.post(
        action_url(verification, "force_outcome"), {"outcome": "VERIFIED"}
    )
    assert response.status_code == 403
    with pytest.raises(staff.StaffActionRefused):
        staff.staff_force_outcome(
            verification_id=verification.pk, actor=officer, outcome="VERIFIED"
        )


# --- retry -----------------------------------------------------------------------------------
def test_retry_copies_a_refused_submission_into_a_new_queued_one(
    emulator, officer_client, officer, django_capture_on_commit_callbacks
):
    verification = customer()
    refused = sent(queued_submission(verification, document_type="LIBRARY_CARD"))
    assert refused.state == Submission.State.REJECTED
    with django_capture_on_commit_callbacks() as callbacks:
        messages = run(officer_client, verification, "retry")
    assert messages == ["Submission queued again (First submission)."]
    copy = verification.submissions.exclude(pk=refused.pk).get()
    assert (copy.state, copy.kind, copy.created_by) == ("queued", "initial", officer)
    assert copy.data == refused.data
    assert len(callbacks) == 1  # the send task, enqueued on commit
    assert staff_audit(verification, "submission_queued").actor == officer


def test_retry_puts_back_a_submission_stuck_sending(emulator, officer_client, officer):
    verification = customer()
    stuck = queued_submission(verification)
    # The worker that claimed it died long ago.
    Submission.objects.filter(pk=stuck.pk).update(
        state=Submission.State.SENDING, sending_since=ago(hours=1)
    )
    messages = run(officer_client, verification, "retry")
    assert messages == ["Submission put back in the queue (First submission)."]
    stuck.refresh_from_db()
    assert stuck.state == Submission.State.QUEUED
    assert staff_audit(verification, "submission_requeued").actor == officer
    # Sent by the task it queued: reaches the provider once.
    assert submission_send(submission_id=stuck.pk) == Submission.State.SENT


def test_retry_leaves_a_submission_being_sent_right_now_alone(emulator, officer_client):
    verification = customer()
    busy = queued_submission(verification)
    Submission.objects.filter(pk=busy.pk).update(
        state=Submission.State.SENDING, sending_since=ago(seconds=5)
    )
    messages = run(officer_client, verification, "retry")
    assert messages == ["The latest submission is First submission (Being sent): nothing to retry."]
    assert not staff_changes(verification).exists()


# --- ask the user to resubmit ------------------------------------------------------------------
def fix_url() -> str:
    try:
        return settings.PUBLIC_BASE_URL + reverse("onboarding:fix")
    except NoReverseMatch:
        return settings.PUBLIC_BASE_URL


def test_request_resubmission_emails_the_fix_link_and_the_note(
    emulator, officer_client, officer, eager_tasks, django_capture_on_commit_callbacks
):
    verification = failed_tax(emulator)
    mail.outbox.clear()
    note = "Your PAN & name must match: please type the PAN again."
    with django_capture_on_commit_callbacks(execute=True):
        messages = run(officer_client, verification, "request_resubmission", note=note)
    assert messages == ["The user was asked to send again: Tax number."]
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [verification.user.email]
    assert email.subject == "Please correct your identity verification"
    assert note in email.body  # as typed: a plain-text email is not HTML-escaped
    assert "What to send again: Tax number" in email.body
    assert fix_url() in email.body
    audit = staff_audit(verification, "resubmission_requested")
    assert audit.actor == officer
    assert note in audit.note


def test_request_resubmission_is_refused_when_nothing_can_be_corrected(officer_client):
    verification = verification_row(status=Status.PROCESSING)
    messages = run(officer_client, verification, "request_resubmission", note="x")
    assert messages == ["There is nothing the user can correct."]
    assert not staff_changes().exists()
    exhausted = verification_row(
        status=Status.FAILED, failure_reason="tax_number", corrections_used=3
    )
    messages = run(officer_client, exhausted, "request_resubmission")
    assert messages == ["The user has no correction attempt left."]


# --- resubmit the stored data ----------------------------------------------------------------
def test_resubmit_sends_the_stored_part_to_the_matching_update_endpoint(
    emulator, officer_client, officer
):
    verification = failed_tax(emulator)
    # The user's own correction never reached the provider: the stored tax number is new.
    Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.TAX,
        state=Submission.State.REJECTED,
        data={"tax_number": "ABCPR1234K"},
    )
    messages = run(officer_client, verification, "resubmit", confirm="yes")
    assert messages == ["Queued: New tax number."]
    update = verification.submissions.get(kind=Submission.Kind.TAX, created_by=officer)
    assert update.data == {"tax_number": "ABCPR1234K"}
    assert update.state == Submission.State.QUEUED
    assert staff_audit(verification, "submission_queued").actor == officer
    assert submission_send(submission_id=update.pk) == Submission.State.SENT
    calls = emulator.requests_log(path="/cms/api/v1/kyc/update-tax-info")
    assert len(calls) == 1
    verification.refresh_from_db()
    assert verification.corrections_used == 1


def test_resubmit_needs_a_failure_an_update_can_fix(officer_client):
    verification = verification_row(
        status=Status.FAILED, failure_reason="other", provider_reason="KYC_FAILED"
    )
    assert run(officer_client, verification, "resubmit", confirm="yes") == [
        "There is no failure an update can fix."
    ]


# --- note ------------------------------------------------------------------------------------
def test_add_note_records_it(officer_client, officer):
    verification = verification_row()
    assert run(officer_client, verification, "add_note", note="Called the user.") == ["Note added."]
    audit = staff_audit(verification, "note_added")
    assert (audit.actor, audit.note) == (officer, "Called the user.")
    assert run(officer_client, verification, "add_note", note="  ") == ["Write a note."]
    assert AuditEvent.objects.filter(action="note_added").count() == 1
