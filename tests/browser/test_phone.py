"""Continue on your phone, in two browsers: a signed-in desktop shows a QR code, a phone with
no login opens the URL decoded from it and sends the photos, and the desktop moves on."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from kyc.models import Document
from tests.onboarding.browser_steps import connect, log_in, screenshot, upload
from tests.onboarding.conftest import created_verification, make_user
from tests.onboarding.test_fix import fail
from tests.support import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def app(live_server: Any, emulator: Any) -> str:
    connect(live_server.url)
    return str(live_server.url)


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        user_agent=IPHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    yield context.new_page()
    context.close()


def decoded_qr(page: Any) -> str:
    """What a phone's camera reads from the QR code the page shows."""
    picture = Image.open(io.BytesIO(page.locator(".phone-offer__qr").screenshot()))
    found = zxingcpp.read_barcodes(picture)
    assert len(found) == 1, found
    return str(found[0].text)


def record_announcements(page: Any) -> list[str]:
    """Every text the offer's live region says, kept here even after the page moves on."""
    said: list[str] = []

    def record(text: str) -> None:
        said.append(text)

    page.expose_function("recordAnnouncement", record)
    page.evaluate(
        """() => {
          const region = document.querySelector("[data-phone-status]");
          new MutationObserver(() => window.recordAnnouncement(region.textContent))
            .observe(region, {childList: true, characterData: true, subtree: true});
        }"""
    )
    return said


def test_the_photos_taken_on_a_phone_move_the_desktop_on(desktop, phone, app):
    user = make_user()
    created_verification(user)
    log_in(desktop, app, user.email)
    desktop.wait_for_url("**/verify/documents/")
    offer = desktop.locator("[data-phone-offer]")
    expect(offer).to_be_visible()
    expect(offer.get_by_role("img", name="QR code with the link below")).to_be_visible()
    url = decoded_qr(desktop)
    expect(desktop.get_by_label("Or open this link on your phone")).to_have_value(url)
    assert url.startswith(app + "/verify/phone/")
    announcements = record_announcements(desktop)
    screenshot(desktop, "phone-01-desktop-offer")

    phone.goto(url)
    screenshot(phone, "phone-02-phone-landing")
    phone.get_by_role("button", name="Start taking photos").click()
    phone.wait_for_url("**/verify/phone/photos/")
    expect(phone.locator("[data-phone-offer]")).to_have_count(0)  # a phone has the camera
    upload(phone, "id_document_front", images.jpeg(), "front.jpg", "image/jpeg")
    upload(phone, "id_document_back", images.png(), "back.png", "image/png")
    for kind in ("document_front", "document_back"):
        expect(phone.locator(f"#id_{kind}_status")).to_contain_text("Received")
    screenshot(phone, "phone-03-phone-photos")

    # The desktop follows: the two photos show as received, and the phone as connected.
    for kind in ("document_front", "document_back"):
        expect(desktop.locator(f"#id_{kind}_status")).to_contain_text("Received")
    status = desktop.locator("[data-phone-status]")
    expect(status).to_have_text(
        "Your phone is connected. Take the photos there; they will appear here."
    )
    screenshot(desktop, "phone-04-desktop-following")

    upload(phone, "id_selfie_camera", images.jpeg(), "me.jpg", "image/jpeg")
    expect(phone.locator("#id_selfie_status")).to_contain_text("Received")
    desktop.wait_for_url("**/verify/details/")
    assert "Your photos arrived from your phone. Taking you to the next step." in announcements
    screenshot(desktop, "phone-05-desktop-moved-on")

    phone.get_by_role("button", name="I have taken the photos").click()
    phone.wait_for_url("**/verify/phone/done/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your photos are with us")
    screenshot(phone, "phone-06-phone-done")
    kinds = Document.objects.filter(verification__user=user, state="accepted")
    assert sorted(kinds.values_list("kind", flat=True)) == [
        "document_back",
        "document_front",
        "selfie",
    ]

    # The phone was never signed in, and its link is spent.
    phone.goto(app + "/verify/status/")
    phone.wait_for_url("**/accounts/login/**")
    phone.goto(url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    screenshot(phone, "phone-07-phone-link-used")


def test_the_offer_works_without_javascript(browser, app):
    user = make_user()
    created_verification(user)
    desktop = {"width": 1280, "height": 800}
    context = browser.new_context(java_script_enabled=False, viewport=desktop)
    page = context.new_page()
    try:
        log_in(page, app, user.email)
        page.wait_for_url("**/verify/documents/")
        expect(page.get_by_label("Or open this link on your phone")).to_be_visible()
        expect(page.get_by_role("button", name="Copy the link")).to_be_hidden()
        page.get_by_role("button", name="Email me the link").click()
        page.wait_for_url("**/verify/documents/")
        expect(page.locator(".notices")).to_contain_text("We emailed you the link.")
        screenshot(page, "phone-08-desktop-emailed-no-js")
    finally:
        context.close()


def test_a_fix_page_shows_the_new_selfie_from_the_phone_and_leaves_sending_to_the_person(
    desktop, phone, app
):
    user = make_user()
    verification = created_verification(user)
    fail(verification, "SELFIE_VERIFICATION_FAILED")
    log_in(desktop, app, user.email)
    desktop.wait_for_url("**/verify/status/")
    desktop.goto(app + "/verify/fix/")
    url = decoded_qr(desktop)
    phone.goto(url)
    phone.get_by_role("button", name="Start taking photos").click()
    expect(phone.locator("input[type=file]")).to_have_count(2)  # the selfie only
    upload(phone, "id_selfie_camera", images.jpeg(), "me.jpg", "image/jpeg")
    expect(phone.locator("#id_selfie_status")).to_contain_text("Received")
    expect(desktop.locator("#id_selfie_status")).to_contain_text("Received")
    expect(desktop.locator("[data-phone-status]")).to_have_text(
        "Your photos arrived from your phone. Check the form and send it when you are ready."
    )
    send = desktop.get_by_role("button", name="Send the new selfie")
    expect(send).to_be_focused()
    screenshot(desktop, "phone-09-desktop-fix-received")
    assert not verification.submissions.filter(kind="selfie").exists()  # not sent for them
    send.click()
    desktop.wait_for_url("**/verify/status/")
    submission = verification.submissions.get(kind="selfie")
    new = verification.documents.filter(kind="selfie", state="accepted").latest("created_at")
    assert submission.data == {"documents": {"selfie": new.pk}}
