"""The document viewer in headless Chromium: an officer at 1366 px opens a failed applicant's
documents, zooms and turns the picture, and asks for the back again; the applicant, on a
phone, reads the request and uploads that file only, which goes to DollarPe as a correction.

The live server, the DollarPe emulator over HTTP, the bucket (moto), a real Celery worker.
Screenshots: KYC_SCREENSHOTS=/tmp/docs-shots.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from kyc.models import Document, Status, Submission
from tests.admin.conftest import PASSWORD, ROLES, staff_member
from tests.admin.test_document_review import MESSAGE, failed_document, file_of, grant_review
from tests.onboarding.browser_steps import screenshot, upload
from tests.support import images
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def officer_page(browser: Any, base: str) -> Any:
    officer = staff_member(ROLES.OFFICER)
    grant_review()
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Dashboard: where verifications stand")).to_be_visible()
    return page


def signed_in_as(page: Any, user: Any, base: str) -> None:
    """The applicant's session, made by Django's test client and handed to the browser."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])


def picture(page: Any, pane: str) -> Any:
    return page.locator(f"#kyc-pane-{pane}-stage img")


def style_of(image: Any) -> dict[str, Any]:
    return image.evaluate(
        "img => ({transform: img.style.transform, width: img.getBoundingClientRect().width,"
        " natural: img.naturalWidth})"
    )


def test_an_officer_zooms_turns_and_asks_again_then_the_applicant_sends_that_file(
    browser, dollarpe_app, emulator
):
    verification = failed_document(emulator)
    back = file_of(verification, "document_back")
    front = file_of(verification, "document_front")
    desk = officer_page(browser, dollarpe_app)

    desk.goto(dollarpe_app + f"/admin/kyc/verification/{verification.pk}/change/")
    desk.get_by_role("link", name="Open the document viewer").click()
    main, side = picture(desk, "main"), picture(desk, "side")
    expect(main).to_be_visible()
    expect(side).to_have_attribute("alt", "Selfie")  # side by side with the selfie
    wait_for(lambda: style_of(main), lambda found: found["natural"] > 0)
    before = style_of(main)
    screenshot(desk, "viewer-1366")

    tools = desk.get_by_role("toolbar", name="Picture tools: Document")
    tools.get_by_role("button", name="Zoom in").click()
    tools.get_by_role("button", name="Zoom in").click()
    tools.get_by_role("button", name="Turn right").click()
    after = style_of(main)
    assert "rotate(90deg)" in after["transform"]
    assert after["transform"] != before["transform"]
    assert after["width"] > before["width"]
    expect(desk.locator("#kyc-pane-main-stage").locator("..")).to_contain_text(
        "Zoom 156 percent, turned 90 degrees"
    )
    # The keyboard does the same with the picture focused.
    desk.locator("#kyc-pane-main-stage").focus()
    desk.keyboard.press("l")
    assert "rotate(0deg)" in style_of(main)["transform"]
    screenshot(desk, "viewer-zoomed")

    review = desk.locator(f"#kyc-review-{back.pk}")
    review.get_by_label("Why a new upload").select_option("unreadable")
    review.get_by_label("Message the applicant reads").fill(MESSAGE)
    review.get_by_role("button", name="Ask for this document again").click()
    expect(desk.locator("ul.messagelist")).to_contain_text(
        "The applicant is asked to upload this document again."
    )
    expect(desk.locator(f"#kyc-review-{back.pk}")).to_contain_text(
        "New upload asked of the applicant"
    )
    screenshot(desk, "viewer-asked")
    desk.context.close()

    # The applicant, on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    signed_in_as(phone, verification.user, dollarpe_app)
    phone.goto(dollarpe_app + "/verify/status/")
    request = phone.locator("[data-reupload-request]")
    expect(request).to_contain_text(MESSAGE)  # as written, shown as text
    expect(request).to_contain_text("We could not read it")
    expect(phone.get_by_role("heading", level=2)).to_contain_text(
        "Please send this document again: Document, back"
    )
    screenshot(phone, "applicant-status-390")
    phone.get_by_role("link", name="Upload this document again").click()
    phone.wait_for_url("**/verify/fix/document/")
    assert phone.locator("#id_document_front").count() == 0
    assert phone.locator("#id_selfie_camera").count() == 0
    upload(phone, "id_document_back", images.png(), "back.png", "image/png")
    phone.locator("#id_document_back_status").filter(has_text="Received").wait_for()
    screenshot(phone, "applicant-reupload-390")
    phone.get_by_role("button", name="Send the new document").click()
    phone.wait_for_url("**/verify/status/")
    screenshot(phone, "applicant-sent-390")

    correction = wait_for(
        lambda: verification.submissions.filter(kind=Submission.Kind.DOCUMENT).first(),
        lambda found: found is not None and found.state == Submission.State.SENT,
    )
    assert correction is not None
    documents = correction.data["documents"]
    assert documents["document_front"] == front.pk
    assert documents["document_back"] != back.pk
    assert Document.objects.get(pk=documents["document_back"]).state == Document.State.ACCEPTED
    back.refresh_from_db()
    assert back.review_state == Document.Review.REPLACED
    verification.refresh_from_db()
    assert verification.status != Status.UNVERIFIED
    assert verification.corrections_used == 1
    phone.context.close()
