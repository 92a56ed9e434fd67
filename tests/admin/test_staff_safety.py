"""Staff safety (issue 15, item 7), through the real admin views as a compliance officer:
the resubmission is confirmed, spends an attempt and never repeats what was refused or a
selfie our own checks failed; a reset says why, keeps the dashboard's past and suspends the
bank accounts; reading unmasked data and exporting the list are on the audit trail."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from kyc.models import AuditEvent, BankAccount, Document, Status, Submission, Verification
from kyc.services.banks import bank_apply_status
from kyc.services.documents import document_store
from tests.admin.conftest import approve_pending, verification_row, with_bank, with_submission
from tests.admin.test_actions import action_url, decided, failed_tax, run, verified
from tests.support import images
from tests.support.builders import customer, queued_submission, sent

pytestmark = pytest.mark.django_db
LIST = reverse("admin:kyc_verification_changelist")
DASHBOARD = reverse("admin:kyc_verification_dashboard")
EXPORT = reverse("admin:kyc_verification_export")


def new_tax_number_stored(verification: Verification) -> None:
    """The user's correction was refused on its way (never decided on): the data changed."""
    Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.TAX,
        state=Submission.State.REJECTED,
        data={"tax_number": "ABCPR1234K"},
    )


def staff_updates(verification: Verification) -> list[Submission]:
    return list(verification.submissions.filter(created_by__isnull=False))


# --- resubmit the stored data ----------------------------------------------------------------
def test_resubmit_asks_for_confirmation_and_says_it_spends_an_attempt(emulator, officer_client):
    verification = failed_tax(emulator)
    new_tax_number_stored(verification)
    left = verification.corrections_left
    assert left
    page = officer_client.get(action_url(verification, "resubmit"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "spends one of the user's correction attempts" in text
    assert f"spends an attempt: {left - 1} left after it" in text
    assert "Yes, resubmit and spend an attempt" in text
    # Posted without the confirmation: the page again, nothing queued.
    assert officer_client.post(action_url(verification, "resubmit")).status_code == 200
    assert staff_updates(verification) == []
    assert run(officer_client, verification, "resubmit", confirm="yes") == [
        "Queued: New tax number."
    ]
    assert len(staff_updates(verification)) == 1


def test_resubmit_from_the_list_goes_through_a_confirmation_page_and_approval(
    emulator, officer_client, second_officer_client
):
    verification = failed_tax(emulator)
    new_tax_number_stored(verification)
    data = {"action": "resubmit_selected", "_selected_action": [verification.pk]}
    confirmation = officer_client.post(LIST, data)
    assert confirmation.status_code == 200
    text = confirmation.content.decode()
    assert "spends an attempt" in text
    assert "Ask a second officer to approve the resubmission" in text
    assert staff_updates(verification) == []
    asked = officer_client.post(LIST, {**data, "confirm": "yes", "note": "fixed"}, follow=True)
    assert "Sent for approval" in asked.content.decode()
    assert staff_updates(verification) == []  # four eyes: nothing sent yet
    assert "1 of 1 verification done." in approve_pending(second_officer_client)[0]
    assert len(staff_updates(verification)) == 1


def test_resubmit_is_refused_when_nothing_changed_since_the_refusal(emulator, officer_client):
    verification = failed_tax(emulator)  # the stored tax number is the one refused
    page = officer_client.get(action_url(verification, "resubmit")).content.decode()
    assert "Nothing changed since the provider refused it" in page
    assert "Yes, resubmit" not in page
    messages = run(officer_client, verification, "resubmit", confirm="yes")
    assert messages == [
        "Nothing changed since the provider refused it: ask the user to correct it."
    ]
    assert staff_updates(verification) == []
    assert not emulator.requests_log(path="/cms/api/v1/kyc/update-tax-info")
    assert verification.corrections_used == 0


def test_a_selfie_that_failed_our_liveness_check_is_not_resubmitted(emulator, officer_client):
    verification = customer()
    sent(queued_submission(verification, selfie_verification_status=False))
    verification = decided(verification, emulator)
    assert (verification.status, verification.failure_reason) == (Status.FAILED, "selfie")
    messages = run(officer_client, verification, "resubmit", confirm="yes")
    assert messages == ["The selfie failed our own liveness check: ask the user for a new selfie."]
    assert staff_updates(verification) == []
    assert not emulator.requests_log(path="/cms/api/v1/kyc/update-selfie-info")
    verification.refresh_from_db()
    assert verification.status == Status.FAILED


def test_a_selfie_our_picture_checks_warned_about_is_not_resubmitted(emulator, officer_client):
    verification = customer()
    sent(queued_submission(verification, selfie_verification_status=False))
    verification = decided(verification, emulator)
    # A new selfie was stored since (its update refused on the way), but it is too dark.
    selfie = document_store(
        verification=verification, kind=Document.Kind.SELFIE, upload=io.BytesIO(images.jpeg())
    )
    quality = selfie.quality | {"checks": {"brightness": {"result": "warn"}}}
    Document.objects.filter(pk=selfie.pk).update(quality=quality)
    Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.SELFIE,
        state=Submission.State.REJECTED,
        data={"documents": {"selfie": selfie.pk}},
    )
    messages = run(officer_client, verification, "resubmit", confirm="yes")
    assert messages == [
        "The selfie failed our own picture checks (brightness): ask the user for a new selfie."
    ]
    assert staff_updates(verification) == []


# --- reset -----------------------------------------------------------------------------------
def test_reset_requires_a_reason(emulator, officer_client):
    verification = verified(emulator)
    response = officer_client.post(
        action_url(verification, "reset"), {"confirm": "yes", "note": "  "}
    )
    assert response.status_code == 200  # the confirmation again, saying what is missing
    text = response.content.decode()
    assert "Write a note." in text
    assert "Ask a second officer to approve the reset" in text
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert emulator.customer(verification.provider_customer_id)["status"] == "VERIFIED"
    assert not AuditEvent.objects.filter(action="kyc_reset").exists()


def test_a_reset_from_the_list_requires_a_reason(emulator, officer_client):
    verification = verified(emulator)
    data = {"action": "reset_selected", "_selected_action": [verification.pk], "confirm": "yes"}
    response = officer_client.post(LIST, data)
    assert "Write a note." in response.content.decode()
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


def decision_figures(client) -> tuple[int, int, bool]:
    board = client.get(DASHBOARD).context["board"]
    today = board.per_day[-1]
    return board.decided, today.verified, board.median is not None


def test_a_reset_keeps_the_earlier_decision_on_the_dashboard(
    emulator, officer_client, second_officer_client
):
    verification = verified(emulator)
    before = decision_figures(officer_client)
    assert before == (1, 1, True)
    run(officer_client, verification, "reset", confirm="yes", note="Wrong document type")
    approve_pending(second_officer_client)
    verification.refresh_from_db()
    assert verification.status == Status.UNVERIFIED
    assert decision_figures(officer_client) == before
    # The reason is on the audit trail; the decision's dates are kept apart.
    assert AuditEvent.objects.get(action="kyc_reset").note == "Wrong document type"
    assert verification.cleared_decisions.get().status == Status.VERIFIED


def test_a_reset_suspends_the_bank_accounts(
    emulator, officer_client, officer, second_officer_client
):
    verification = verified(emulator)
    usable = with_bank(verification)
    checking = with_bank(verification, number="998877665544")
    BankAccount.objects.filter(pk=checking.pk).update(
        status=BankAccount.State.PROCESSING, provider_bank_id="bank-late"
    )
    run(officer_client, verification, "reset", confirm="yes", note="Identity theft reported")
    approve_pending(second_officer_client)
    for bank in (usable, checking):
        bank.refresh_from_db()
        assert bank.status == BankAccount.State.SUSPENDED
    suspended = AuditEvent.objects.filter(action="bank_suspended", actor=officer)
    assert suspended.count() == 2
    # The provider's late answer about the one being checked does not make it usable again.
    assert not bank_apply_status(
        bank_id=checking.pk, status=BankAccount.State.VERIFIED, source="provider"
    )
    checking.refresh_from_db()
    assert checking.status == BankAccount.State.SUSPENDED


# --- reading identity data -------------------------------------------------------------------
def test_an_officers_view_of_unmasked_data_and_previews_is_audited(officer_client, officer):
    verification = verification_row()
    with_submission(verification)
    with_bank(verification)
    front = document_store(
        verification=verification, kind=Document.Kind.FRONT, upload=io.BytesIO(images.jpeg())
    )
    page = officer_client.get(reverse("admin:kyc_verification_change", args=[verification.pk]))
    assert "987654321012" in page.content.decode()  # unmasked for this officer
    viewed = AuditEvent.objects.get(action="identity_data_viewed")
    assert (viewed.verification, viewed.actor, viewed.source) == (verification, officer, "staff")
    assert f"document previews #{front.pk}" in viewed.note
    for secret in ("987654321012", "ABCPR1234K", "123456789012"):
        assert secret not in viewed.note  # who read what, never the data itself


def test_a_masked_view_is_not_an_unmasked_read(viewer_client):
    verification = verification_row()
    with_submission(verification)
    viewer_client.get(reverse("admin:kyc_verification_change", args=[verification.pk]))
    assert not AuditEvent.objects.filter(action="identity_data_viewed").exists()


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_a_csv_export_is_audited_without_the_search_term(role, request):
    client, member = request.getfixturevalue(f"{role}_client"), request.getfixturevalue(role)
    verification = verification_row(status=Status.FAILED, email="secret.person@example.com")
    response = client.get(EXPORT, {"status__exact": "FAILED", "q": "secret.person@example.com"})
    assert response.status_code == 200
    assert verification.email in b"".join(response.streaming_content).decode()
    exported = AuditEvent.objects.get(action="list_exported")
    assert (exported.verification, exported.actor, exported.source) == (None, member, "staff")
    masked = "masked" if role == "viewer" else "unmasked"
    assert f"identity numbers {masked}" in exported.note
    assert "status__exact=FAILED" in exported.note
    assert "q=(search)" in exported.note
    assert "secret.person" not in exported.note
    # The audit trail lists it, though it belongs to no verification.
    trail = client.get(reverse("admin:kyc_auditevent_changelist"))
    assert trail.status_code == 200
    assert "CSV export" in trail.content.decode()
