"""The hosted journey with Rebilly in headless Chromium on a phone viewport: our pages, the
emulator's document gatherer (a real web page on its own port), the redirect back, and the
decision arriving by webhook through the real Celery worker. No internet is needed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kyc.models import ProviderDocument, Status, Verification
from kyc.providers.registry import get_provider
from kyc.webhooks.views import webhook_path
from tests.onboarding.browser_steps import DECISION, file, screenshot, sign_up
from tests.support import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app(live_server, rebilly, celery_worker, settings):
    settings.STATUS_POLL_SECONDS = 1
    get_provider("rebilly").register_webhook(live_server.url + webhook_path("rebilly"))
    return live_server.url


def fill_profile(page) -> None:
    page.get_by_label("Given name(s)", exact=True).fill("Ada")
    page.get_by_label("Family name", exact=True).fill("Lovelace")
    page.get_by_label("Date of birth", exact=True).fill("1990-05-17")
    page.get_by_label("Nationality", exact=True).select_option("GBR")
    page.get_by_label("Mobile phone number", exact=True).fill("+44 7911 123456")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/verify/continue/")


def continue_to_gatherer(page, button: str = "Continue to our verification partner") -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/gatherer?**")


def upload(page, kind: str, *, outcome: str = "accept", reason: str = "") -> None:
    page.set_input_files(
        f'input[name="file-{kind}"]', files=[file(f"{kind}.jpg", images.jpeg(), "image/jpeg")]
    )
    face = page.locator(f'input[name="face-{kind}"]')
    if face.count():
        face.set_input_files(files=[file("selfie.jpg", images.jpeg(), "image/jpeg")])
    page.check(f'input[name="outcome-{kind}"][value="{outcome}"]')
    if reason:
        page.select_option(f'select[name="reason-{kind}"]', reason)


def test_sign_up_to_verified_through_the_gatherer(page, app):
    email = sign_up(page, app)
    fill_profile(page)
    expect(page.locator("h1")).to_have_text("Continue with our verification partner")
    expect(page.locator(".needed")).to_contain_text("A proof of address")
    screenshot(page, "rebilly-continue")
    continue_to_gatherer(page)
    screenshot(page, "rebilly-gatherer")

    upload(page, "identity-proof")
    upload(page, "address-proof")
    page.get_by_role("button", name="Submit documents").click()
    page.wait_for_url("**/verify/status/")
    expect(page.locator(".notices")).to_contain_text("Thank you")
    page.evaluate("window.__sameDocument = true")
    expect(page.locator(".status__title")).to_have_text("Verified", timeout=DECISION)
    assert page.evaluate("window.__sameDocument") is True  # it updated itself
    screenshot(page, "rebilly-verified")

    verification = Verification.objects.get(user__email=email)
    assert verification.status == Status.VERIFIED
    assert set(verification.provider_documents.values_list("status", flat=True)) == {"accepted"}


def test_a_refused_document_is_uploaded_again_and_accepted(page, app):
    email = sign_up(page, app)
    fill_profile(page)
    continue_to_gatherer(page)
    upload(page, "identity-proof", outcome="reject", reason="document-expired")
    upload(page, "address-proof")
    page.get_by_role("button", name="Submit documents").click()
    page.wait_for_url("**/verify/status/")

    expect(page.locator(".status__title")).to_have_text("Waiting for you", timeout=DECISION)
    expect(page.locator(".document--rejected")).to_contain_text("was refused: it has expired")
    expect(page.locator(".document--rejected")).to_contain_text("2 attempts left")
    screenshot(page, "rebilly-refused")
    continue_to_gatherer(page, "Upload a new document")
    assert page.locator('input[name="file-address-proof"]').count() == 0  # accepted already
    upload(page, "identity-proof")
    page.get_by_role("button", name="Submit documents").click()
    page.wait_for_url("**/verify/status/")
    expect(page.locator(".status__title")).to_have_text("Verified", timeout=DECISION)

    verification = Verification.objects.get(user__email=email)
    states = sorted(verification.provider_documents.values_list("type", "status"))
    assert states == [
        ("address", ProviderDocument.State.ACCEPTED),
        ("identity", ProviderDocument.State.ACCEPTED),
        ("identity", ProviderDocument.State.REJECTED),
    ]
