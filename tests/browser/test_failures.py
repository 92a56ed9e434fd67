"""What people are told after a failure or a refusal, in headless Chromium at phone size,
against the live app, the real worker and the DollarPe emulator (decisions by webhook)."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from kyc.models import Verification
from tests.onboarding.browser_steps import (
    DECISION,
    fill_details,
    fill_profile,
    phone_number,
    screenshot,
    sign_up,
    upload_documents,
)
from tests.onboarding.conftest import submitted_verification
from tests.support import builders, emails
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app(dollarpe_app):
    return dollarpe_app


def to_details(page, app) -> str:
    email = sign_up(page, app)
    fill_profile(page, phone_number())
    upload_documents(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/verify/details/")
    return email


def test_a_terminal_failure_says_our_team_will_contact_you_on_the_page_and_in_the_email(page, app):
    email = to_details(page, app)
    fill_details(page, "ABCPE1234F", dob="1900-01-01")  # the emulator: KYC_FAILED
    title = page.locator(".status__title")
    expect(title).to_have_text("We could not verify your identity", timeout=DECISION)
    panel = page.locator(".status")
    expect(panel).to_contain_text("Our team will contact you by email at")
    expect(panel).to_contain_text("within 2 working days")
    reference = Verification.objects.get(user__email=email).reference
    expect(panel.locator(".reference")).to_have_text(reference)
    expect(panel).not_to_contain_text("attempt")
    screenshot(page, "failure-team")

    messages = wait_for(
        lambda: [m for m in emails.sent_to(email) if "could not verify" in str(m["Subject"])],
        lambda found: bool(found),
    )
    body = emails.body(messages[0])
    assert "Our team will contact you by email within 2 working days" in body
    assert f"Your reference: {reference}" in body
    assert "correct" not in body
    assert "/verify/fix/" not in body


def test_a_refused_submission_shows_why_on_the_field_and_keeps_what_was_typed(page, app):
    taken = "ABCPE" + "".join(random.choice("123456789") for _ in range(4)) + "F"
    submitted_verification(builders.new_user(), tax_number=taken)  # someone else has it
    to_details(page, app)
    fill_details(page, taken)
    title = page.locator(".status__title")
    expect(title).to_have_text("Please correct your details", timeout=DECISION)
    expect(page.locator(".status")).to_contain_text(
        "Your PAN or your document number is already registered to another customer."
    )
    expect(page.locator(".status")).not_to_contain_text("Not submitted yet")
    screenshot(page, "refused-status")

    page.get_by_role("link", name="Correct your details").click()
    page.wait_for_url("**/verify/details/")
    pan = page.get_by_label("PAN (tax number)", exact=True)
    expect(pan).to_have_value(taken)
    expect(pan).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_tax_number_error")).to_contain_text(
        "This PAN is already registered to another customer."
    )
    expect(page.get_by_label("Town or city", exact=True)).to_have_value("Bengaluru")
    expect(page.locator("#error-summary")).to_be_focused()
    screenshot(page, "refused-details")

    pan.fill("ABCPE1234F")
    page.get_by_label("Document number", exact=True).fill("K1234567")
    page.get_by_role("button", name="Send for verification").click()
    page.wait_for_url("**/verify/status/")
    expect(title).to_have_text("Verified", timeout=DECISION)

    # Back: the details page is asked for again, and the journey is past it.
    page.go_back()
    page.wait_for_url("**/verify/status/")
    expect(page.get_by_role("button", name="Send for verification")).to_have_count(0)


def test_the_sending_notice_goes_when_the_outcome_arrives(page, app):
    to_details(page, app)
    fill_details(page, "ABCPE0000F")  # the emulator: TAX_VERIFICATION_FAILED
    title = page.locator(".status__title")
    expect(title).to_have_text("Something needs correcting", timeout=DECISION)
    page.get_by_role("link", name="Correct your PAN").click()
    page.wait_for_url("**/verify/fix/")
    expect(page.locator(".causes")).to_contain_text("must match your full name, Asha Rao")
    expect(page.locator(".sent-summary")).to_contain_text("••••••000F")
    screenshot(page, "fix-tax")
    # A wrong one first: the page that shows the error is a GET (POST-redirect-GET).
    page.get_by_label("PAN (tax number)", exact=True).fill("ABC")
    page.get_by_role("button", name="Send the correction").click()
    expect(page.locator("#error-summary")).to_be_focused()
    page.get_by_label("PAN (tax number)", exact=True).fill("ABCPE1234F")
    page.get_by_role("button", name="Send the correction").click()
    page.wait_for_url("**/verify/status/")
    expect(title).to_have_text("Verified", timeout=DECISION)
    expect(page.get_by_text("We are sending your correction")).to_have_count(0)
    screenshot(page, "fix-verified")
    page.go_back()  # the fix page with its error: gone, the journey is past it
    page.wait_for_url("**/verify/status/")
    expect(page.get_by_role("button", name="Send the correction")).to_have_count(0)
