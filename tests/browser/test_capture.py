"""The photo step in a phone-sized Chromium: the picture checks before the upload, send anyway,
the preview with retake, the too-large message, and the page's states clearing as files arrive.

Real parts only: the app (live server), the S3 server the browser uploads to, the emulator.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kyc.models import Document
from tests.onboarding.browser_steps import connect, file, log_in, screenshot, upload
from tests.onboarding.conftest import created_verification, make_user
from tests.support import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FRONT = "[data-kind=document_front]"
WAIT = 30_000  # ms: a give-up limit for an upload and its check, never a measured time


@pytest.fixture
def app(live_server, emulator):
    connect(live_server.url)
    return live_server.url


@pytest.fixture
def documents_page(page, app):
    user = make_user()
    created_verification(user)
    log_in(page, app, user.email)
    page.wait_for_url("**/verify/documents/")
    page.user = user
    return page


def jpeg_of(picture: Any) -> bytes:
    return images.encoded(picture)


def documents_of(page: Any, kind: str) -> Any:
    return Document.objects.filter(verification__user=page.user, kind=kind).order_by("created_at")


def test_one_primary_control_per_slot_with_a_guide(documents_page):
    page = documents_page
    slot = page.locator(FRONT)
    primary = slot.locator(".upload__primary > label")
    expect(primary).to_have_text("Take a photo of the front")
    expect(slot.locator(".upload__secondary > label")).to_have_text(
        "Or choose a photo or a PDF from this device"
    )
    expect(page.get_by_label("Take a photo of the front")).to_have_attribute(
        "capture", "environment"
    )
    expect(slot.locator(".upload__guide")).to_contain_text("all four corners inside the frame")
    box = primary.bounding_box()
    assert box is not None
    assert box["width"] > 300
    page.get_by_label("Take a photo of the front").focus()  # the hidden input keeps the focus
    outline = page.evaluate(
        "getComputedStyle(document.querySelector('[data-kind=document_front] "
        ".upload__primary > label')).outlineStyle"
    )
    assert outline == "solid"
    screenshot(page, "capture-01-empty-page")


def test_a_dark_photo_is_warned_about_then_sent_anyway_and_recorded(documents_page):
    page = documents_page
    upload(
        page,
        "id_document_front_camera",
        jpeg_of(images.too_dark(images.document_photo())),
        "dark.jpg",
        "image/jpeg",
    )
    warning = page.locator(f"{FRONT} [data-upload-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("It looks too dark. Move to a brighter place")
    expect(warning).to_be_focused()
    expect(page.locator(f"{FRONT} .upload__primary > label")).to_be_hidden()  # one choice at a time
    expect(page.locator(f"{FRONT} [data-upload-preview-image]")).to_be_visible()
    assert not documents_of(page, "document_front").exists()  # nothing sent before the choice
    screenshot(page, "capture-02-dark-warning")
    warning.get_by_role("button", name="Send it anyway").click()
    status = page.locator("#id_document_front_status")
    expect(status).to_contain_text("It looks too dark. You chose to send it anyway.", timeout=WAIT)
    expect(warning).to_be_hidden()
    screenshot(page, "capture-03-dark-sent-anyway")
    [document] = documents_of(page, "document_front")
    assert document.state == Document.State.ACCEPTED
    assert document.quality["sent_anyway"] is True
    assert document.quality["checks"]["brightness"]["result"] == "warn"


def test_the_preview_shows_what_will_be_sent_and_retake_replaces_it(documents_page):
    page = documents_page
    upload(
        page,
        "id_document_front_camera",
        jpeg_of(images.blurred(images.document_photo())),
        "blurred.jpg",
        "image/jpeg",
    )
    warning = page.locator(f"{FRONT} [data-upload-warning]")
    expect(warning).to_contain_text("It looks blurred.")
    with page.expect_file_chooser() as chooser:
        warning.get_by_role("button", name="Take another photo of the front").click()
    chooser.value.set_files(file("good.jpg", jpeg_of(images.document_photo()), "image/jpeg"))
    status = page.locator("#id_document_front_status")
    expect(status).to_contain_text("sharp, well lit, without glare", timeout=WAIT)
    preview = page.locator(f"{FRONT} [data-upload-preview-image]")
    expect(preview).to_be_visible()
    assert preview.get_attribute("src").startswith("blob:")
    # Visible is not loaded: wait for the picture itself before reading its size.
    width = preview.evaluate("image => image.decode().then(() => image.naturalWidth)")
    assert width == 1600  # the very picture that was sent
    screenshot(page, "capture-04-preview-received")
    [sent] = documents_of(page, "document_front")  # the blurred one never left the phone
    assert sent.quality["checks"]["sharpness"]["result"] == "pass"
    # After a received photo, the primary control offers to take it again.
    retake = page.locator(f"{FRONT} .upload__primary > label")
    expect(retake).to_have_text("Take another photo of the front")
    with page.expect_file_chooser() as chooser:
        retake.click()
    chooser.value.set_files(file("second.png", images.png(), "image/png"))
    expect(status).to_contain_text("readable PNG", timeout=WAIT)
    newest = documents_of(page, "document_front").last()
    assert newest is not None
    expect(page.locator("input[name=document_front_id]")).to_have_value(str(newest.pk))


def test_a_file_over_the_limit_is_told_its_size_and_the_limit(documents_page, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    page = documents_page
    page.reload()  # the page now carries the new limit
    big = images.PDF + bytes(int(1.4 * 1024 * 1024))
    upload(page, "id_document_back", big, "back.pdf", "application/pdf")
    error = page.locator("[data-kind=document_back] [data-upload-error]")
    expect(error).to_have_text("This file is 1.4 MB; the limit is 1 MB.")
    expect(page.locator("#id_document_back_status")).to_have_text("")
    assert not documents_of(page, "document_back").exists()
    screenshot(page, "capture-05-too-large")


def test_the_error_summary_clears_as_the_files_arrive(documents_page):
    page = documents_page
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("#error-summary")
    expect(summary.locator("li")).to_have_count(3)
    screenshot(page, "capture-06-summary")
    upload(page, "id_document_front_camera", images.jpeg(), "front.jpg", "image/jpeg")
    expect(page.locator("#id_document_front_status")).to_contain_text("Received.", timeout=WAIT)
    expect(summary.locator("li")).to_have_count(2)
    expect(page.locator("#id_document_front_error")).to_have_count(0)
    upload(page, "id_document_back", images.PDF, "back.pdf", "application/pdf")
    upload(page, "id_selfie_camera", images.jpeg(), "me.jpg", "image/jpeg")
    expect(page.locator("#id_selfie_status")).to_contain_text("Received.", timeout=WAIT)
    expect(page.locator("#id_document_back_status")).to_contain_text("Received.", timeout=WAIT)
    expect(summary).to_have_count(0)
    expect(page.locator(".field--error")).to_have_count(0)


def test_a_refused_file_never_shows_received_beside_its_error(documents_page):
    page = documents_page
    upload(page, "id_document_front_camera", images.jpeg(), "front.jpg", "image/jpeg")
    status = page.locator("#id_document_front_status")
    expect(status).to_contain_text("Received.", timeout=WAIT)
    upload(page, "id_document_front", images.EXECUTABLE, "front.png", "image/png")
    error = page.locator(f"{FRONT} [data-upload-error]")
    expect(error).to_have_text("The document must be a JPEG, PNG or PDF file.", timeout=WAIT)
    expect(status).to_have_text("")
    expect(page.locator(f"{FRONT} [data-upload-preview]")).to_be_hidden()
    expect(page.locator("input[name=document_front_id]")).to_have_value("")
    screenshot(page, "capture-07-refused")


def test_please_wait_clears_once_the_files_are_uploaded(documents_page):
    page = documents_page
    held: list[Any] = []
    page.route("**/kyc-documents*", lambda route: held.append(route))  # the bucket's POST waits
    with page.expect_request(
        lambda request: request.method == "POST" and "kyc-documents" in request.url
    ):
        upload(page, "id_document_front_camera", images.jpeg(), "front.jpg", "image/jpeg")
    expect(page.locator(f"{FRONT} [data-upload-progress]")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    wait = page.locator("[data-upload-wait]")
    expect(wait).to_have_text("Please wait until your files are uploaded.")
    assert page.url.endswith("/verify/documents/")
    screenshot(page, "capture-08-please-wait")
    assert held, "the upload never reached the bucket"
    held[0].continue_()
    expect(page.locator("#id_document_front_status")).to_contain_text("Received.", timeout=WAIT)
    expect(wait).to_have_text("")
