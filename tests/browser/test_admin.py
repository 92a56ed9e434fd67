"""The back office in headless Chromium: an officer filters, opens, refreshes, asks for a
reset (four eyes), asks a user to resubmit.

The app runs on pytest-django's live server, the provider is the DollarPe emulator
over HTTP, and tasks run eagerly in the server's process so their emails land in
mail.outbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from kyc.models import ProviderDocument, Status, Verification
from kyc.services.polling import verification_refresh
from onboarding.celery import app as celery_app
from tests.admin.conftest import PASSWORD, ROLES, staff_member, verification_row
from tests.onboarding.browser_steps import screenshot
from tests.rebilly.conftest import applicant, documents_of, hand_off
from tests.support.builders import customer, processing, queued_submission, sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.fixture
def desk(page: Any, live_server: Any) -> Any:
    """An officer logged in through the admin's own form, on a desktop-sized window."""
    officer = staff_member(ROLES.OFFICER)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Dashboard: where verifications stand")).to_be_visible()
    return page


def messages(page: Any) -> Any:
    return page.locator("ul.messagelist")


def test_an_officer_filters_opens_refreshes_and_asks_for_a_reset(
    desk, live_server, emulator, eager_tasks
):
    verification = processing(full_name="Meera Iyer")
    emulator.decide(verification.provider_customer_id)  # verified at the provider, not here yet
    verification_row(full_name="Already Verified", status=Status.VERIFIED)

    desk.goto(live_server.url + "/admin/kyc/verification/")
    desk.get_by_role("link", name="Being checked", exact=True).click()
    results = desk.locator("#result_list")
    expect(results).to_contain_text("Meera Iyer")
    expect(results).not_to_contain_text("Already Verified")

    desk.get_by_role("link", name="Meera Iyer").click()
    desk.get_by_role("button", name="Refresh status from the provider").click()
    expect(messages(desk)).to_contain_text("Status is now Verified.")
    expect(desk.locator(".field-status_badge .kyc-badge").first).to_have_text("Verified")

    # Four eyes: the reset is asked for here; a second officer approves it (test_four_eyes.py).
    desk.get_by_role("link", name="Reset KYC…").click()
    expect(desk.get_by_role("alert")).to_contain_text("The provider cannot undo it")
    desk.get_by_label("Why (required, kept in the audit trail)").fill("Redo with AADHAAR for payin")
    desk.get_by_role("button", name="Ask a second officer to approve the reset").click()
    expect(messages(desk)).to_contain_text("a second officer must approve it")
    expect(desk.locator(".kyc-awaiting")).to_contain_text("Redo with AADHAAR for payin")

    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert emulator.customer(verification.provider_customer_id)["status"] == "VERIFIED"


def test_an_officer_asks_a_user_to_resubmit(desk, live_server, emulator, eager_tasks):
    verification = customer(full_name="Ravi Kumar")
    sent(queued_submission(verification, tax_number="ABCPE0000F"))  # fails the tax check
    emulator.decide(verification.provider_customer_id)
    verification_refresh(verification_id=verification.pk)
    assert Verification.objects.get(pk=verification.pk).status == Status.FAILED
    mail.outbox.clear()

    desk.goto(live_server.url + "/admin/kyc/verification/")
    desk.get_by_role("link", name="Tax number", exact=True).click()
    desk.get_by_role("link", name="Ravi Kumar").click()
    expect(desk.get_by_text("What the user must fix")).to_be_visible()
    desk.get_by_label("Note for the user (optional)").fill("Type the PAN exactly as on the card.")
    desk.get_by_role("button", name="Ask the user to resubmit").click()
    expect(messages(desk)).to_contain_text("The user was asked to send again: Tax number.")

    (email,) = [m for m in mail.outbox if "correct" in m.subject]
    assert "Type the PAN exactly as on the card." in email.body
    assert "What to send again: Tax number" in email.body


def test_an_officer_refuses_then_accepts_documents_at_the_provider(desk, live_server, rebilly):
    verification = applicant(full_name="Grace Hopper", given_name="Grace", family_name="Hopper")
    gatherer = hand_off(verification).url
    rebilly.gatherer_submit(gatherer, {"identity-proof": "review", "address-proof": "review"})
    verification_refresh(verification_id=verification.pk)

    desk.goto(live_server.url + f"/admin/kyc/verification/{verification.pk}/change/")
    table = desk.locator(".kyc-documents")
    expect(table).to_contain_text("Identity document")
    expect(table).to_contain_text("Waiting for review")
    address = desk.locator(".kyc-document", has_text="Proof of address")
    address.get_by_label("Why").select_option("document-unreadable")
    address.get_by_label("Message (the provider shows it to the applicant)").fill(
        "The photo is too dark to read"
    )
    address.get_by_role("button", name="Refuse").click()
    expect(messages(desk)).to_contain_text("Document refused.")
    identity = desk.locator(".kyc-document", has_text="Identity document")
    identity.get_by_role("button", name="Accept").click()
    expect(messages(desk)).to_contain_text("Document accepted.")
    screenshot(desk, "rebilly-admin-documents")

    verification.refresh_from_db()
    at_rebilly = {
        d["documentType"]: d["status"] for d in documents_of(rebilly, verification.provider_case_id)
    }
    assert at_rebilly == {"identity-proof": "accepted", "address-proof": "rejected"}
    rows = dict(
        ProviderDocument.objects.filter(verification=verification).values_list("type", "status")
    )
    assert rows == {"identity": "accepted", "address": "rejected"}
    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED  # the applicant uploads a new proof
