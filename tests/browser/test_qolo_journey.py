"""The in-app journey with Qolo in headless Chromium on a phone viewport: profile (saved
only), photos, details with the SSN, then either a straight pass or challenge questions,
Verified live. The real Celery worker sends the submission; the S3 and Qolo emulators
answer over HTTP. No internet is needed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kyc.models import Status, Verification
from kyc.providers.registry import get_provider
from kyc.webhooks.views import webhook_path
from tests.onboarding.browser_steps import (
    DECISION,
    allow_uploads_from,
    screenshot,
    sign_up,
    upload_documents,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app(live_server, qolo, celery_worker, settings):
    settings.STATUS_POLL_SECONDS = 1
    allow_uploads_from(live_server.url)
    get_provider("qolo").register_webhook(live_server.url + webhook_path("qolo"))
    return live_server.url


def fill_profile(page) -> None:
    page.get_by_label("Given name(s)", exact=True).fill("Katherine")
    page.get_by_label("Family name", exact=True).fill("Johnson")
    page.get_by_label("Nationality", exact=True).select_option("USA")
    page.get_by_label("Mobile phone number", exact=True).fill("+1 415 555 0123")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/verify/documents/")


def fill_details(page, ssn: str) -> None:
    page.get_by_label("Address line 1", exact=True).fill("1200 Market Street")
    page.get_by_label("Town or city", exact=True).fill("San Francisco")
    page.get_by_label("PIN or postal code", exact=True).fill("94102")
    page.get_by_label("Date of birth", exact=True).fill("1985-03-09")
    page.get_by_label("SSN (Social Security number)", exact=True).fill(ssn)
    page.get_by_label("Identity document", exact=True).select_option("PASSPORT")
    page.get_by_label("Document number", exact=True).fill("567812345")
    page.get_by_role("button", name="Send for verification").click()
    page.wait_for_url("**/verify/status/")


def test_a_straight_pass(page, app):
    email = sign_up(page, app)
    fill_profile(page)
    upload_documents(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/verify/details/")
    fill_details(page, "123-45-6789")
    expect(page.locator(".status__title")).to_have_text("Verified", timeout=DECISION)
    screenshot(page, "qolo-verified")
    assert Verification.objects.get(user__email=email).status == Status.VERIFIED


def test_challenge_questions_then_verified_live(page, app, qolo):
    email = sign_up(page, app)
    fill_profile(page)
    upload_documents(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/verify/details/")
    fill_details(page, "123-45-1111")  # the emulator challenges this one
    expect(page.locator(".status__title")).to_have_text("Waiting for you", timeout=DECISION)
    page.get_by_role("link", name="Answer the questions").click()
    page.wait_for_url("**/verify/questions/")
    screenshot(page, "qolo-questions")

    verification = Verification.objects.get(user__email=email)
    right = qolo.answers(verification.provider_customer_id)
    page.get_by_role("button", name="Send my answers").click()  # none chosen: refused
    expect(page.locator("#error-summary")).to_contain_text("Choose an answer to this question.")
    for question in (verification.action or {})["questions"]:
        group = page.get_by_role("group", name=question["prompt"])
        group.get_by_label(right[question["key"]], exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/verify/status/")
    expect(page.locator(".status__title")).to_have_text("Verified", timeout=DECISION)
    screenshot(page, "qolo-challenge-verified")
