"""The whole journey in headless Chromium on a phone viewport, against the live app, the
real Celery worker, the S3 emulator and the DollarPe emulator (decisions come back by webhook).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kyc.models import BankAccount, Document, Verification
from tests.onboarding.browser_steps import (
    DECISION,
    fill_details,
    fill_profile,
    phone_number,
    sign_up,
    upload,
    upload_documents,
)
from tests.support import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app(dollarpe_app):
    return dollarpe_app


def test_happy_path_to_verified_with_a_bank_account(page, app):
    email = sign_up(page, app)
    fill_profile(page, phone_number())
    upload_documents(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/verify/details/")
    fill_details(page, "ABCPE1234F")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    title = page.locator(".status__title")
    expect(title).to_have_text("Verified", timeout=DECISION)
    assert page.evaluate("window.__sameDocument") is True  # it updated itself

    page.get_by_role("link", name="Add a bank account or a UPI ID").click()
    page.get_by_label("Account number", exact=True).fill("123456789012")
    page.get_by_label("IFSC", exact=True).fill("SBIN0001234")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".bank__name")).to_contain_text("•••• 9012")
    expect(page.locator(".bank__status")).to_have_text("Verified: ready to use", timeout=DECISION)

    verification = Verification.objects.get(user__email=email)
    assert verification.status == "VERIFIED"
    assert BankAccount.objects.get(verification=verification).status == "VERIFIED"


def test_tax_failure_fixed_by_resubmitting_the_tax_number(page, app):
    sign_up(page, app)
    fill_profile(page, phone_number())
    upload_documents(page)
    page.get_by_role("button", name="Continue").click()
    fill_details(page, "ABCPE0000F")  # the emulator's magic PAN: TAX_VERIFICATION_FAILED

    expect(page.locator(".status__title")).to_have_text(
        "Something needs correcting", timeout=DECISION
    )
    expect(page.locator(".status")).to_contain_text("We could not verify your PAN")
    expect(page.locator(".status")).to_contain_text("You have 3 attempts left out of 3.")
    page.get_by_role("link", name="Correct your PAN").click()
    page.wait_for_url("**/verify/fix/")
    assert page.locator("input[type=file]").count() == 0  # only the tax number is asked
    page.get_by_label("PAN (tax number)", exact=True).fill("ABCPE1234F")
    page.get_by_role("button", name="Send the correction").click()
    page.wait_for_url("**/verify/status/")
    expect(page.locator(".status__title")).to_have_text("Verified", timeout=DECISION)


def test_an_invalid_upload_is_refused_with_its_message(page, app):
    sign_up(page, app)
    fill_profile(page, phone_number())
    upload(page, "id_document_front", images.EXECUTABLE, "id-card.png", "image/png")
    error = page.locator("[data-kind=document_front] [data-upload-error]")
    expect(error).to_have_text("The document must be a JPEG, PNG or PDF file.")
    expect(page.locator("#id_document_front")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#id_document_front_status").inner_text() == ""
    # The refused file is not kept: continuing asks for it again.
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Add a photo or scan of the front of your document.")
    refused = Document.objects.get(kind="document_front")
    assert refused.state == Document.State.REJECTED
