"""Uploads in the browser: large photos downscaled before they leave the phone, the plain
form without JavaScript, and the journey resumed on another device."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from kyc.models import Document
from kyc.services.documents import documents_storage
from kyc.services.status import verification_apply_status
from tests.onboarding.browser_steps import connect, log_in, upload
from tests.onboarding.conftest import created_verification, make_user
from tests.support import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app(live_server, emulator):
    connect(live_server.url)
    return live_server.url


def noisy_png(width: int, height: int) -> bytes:
    """A photo-sized picture that does not compress: larger than the upload limit."""
    picture = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def stored_size(document: Document) -> tuple[int, int]:
    storage = documents_storage()
    key = document.checked_key  # what the provider gets
    body = storage.connection.meta.client.get_object(Bucket=storage.bucket_name, Key=key)
    with Image.open(io.BytesIO(body["Body"].read())) as picture:
        return picture.size


def test_a_photo_over_the_limit_is_downscaled_in_the_browser_then_accepted(page, app):
    user = make_user()
    created_verification(user)
    log_in(page, app, user.email)
    page.goto(app + "/verify/documents/")
    big = noisy_png(3000, 2000)
    assert len(big) > settings.DOCUMENT_MAX_BYTES
    upload(page, "id_document_back", big, "back.png", "image/png")
    received = page.locator("#id_document_back_status")
    expect(received).to_contain_text("✓ Received. It is a readable JPEG", timeout=30_000)
    expect(page.locator("[data-kind=document_back] [data-upload-progress]")).to_be_hidden()
    document = Document.objects.get(verification__user=user, kind="document_back")
    assert (document.state, document.content_type) == ("accepted", "image/jpeg")
    assert document.size is not None
    assert document.size < settings.DOCUMENT_MAX_BYTES
    assert max(stored_size(document)) == settings.UPLOAD_DOWNSCALE_MAX_SIDE


def test_without_javascript_the_files_go_with_the_form(browser, app):
    user = make_user()
    created_verification(user)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, app, user.email)
        page.goto(app + "/verify/documents/")
        upload(page, "id_document_front", images.jpeg(), "front.jpg", "image/jpeg")
        upload(page, "id_document_back", images.PDF, "back.pdf", "application/pdf")
        upload(page, "id_selfie", images.EXECUTABLE, "me.jpg", "image/jpeg")
        page.get_by_role("button", name="Continue").click()
        summary = page.locator("#error-summary")
        expect(summary).to_contain_text("A selfie must be a JPEG or PNG photo.")
        expect(page.locator("#id_document_front_status")).to_contain_text("Received")
        upload(page, "id_selfie", images.png(), "me.png", "image/png")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url("**/verify/details/")
    finally:
        context.close()
    kinds = Document.objects.filter(verification__user=user, state="accepted")
    assert sorted(kinds.values_list("kind", flat=True)) == [
        "document_back",
        "document_front",
        "selfie",
    ]


def test_too_many_uploads_are_refused_with_the_servers_message_in_the_slot(page, app, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "upload": "2/10m"}  # one file: 2 requests
    user = make_user()
    created_verification(user)
    log_in(page, app, user.email)
    page.goto(app + "/verify/documents/")
    upload(page, "id_document_front", images.jpeg(), "front.jpg", "image/jpeg")
    expect(page.locator("#id_document_front_status")).to_contain_text("Received", timeout=30_000)
    upload(page, "id_document_back", images.png(), "back.png", "image/png")
    refused = page.locator("[data-kind=document_back] [data-upload-error]")
    expect(refused).to_contain_text("Too many attempts. Please wait", timeout=30_000)
    expect(refused).to_be_visible()
    assert not Document.objects.filter(verification__user=user, kind="document_back").exists()


def test_logging_in_on_another_device_resumes_the_journey(browser, app):
    user = make_user()
    verification = created_verification(user)
    verification_apply_status(
        verification_id=verification.pk, status="PROCESSING", source="provider"
    )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, app, user.email)
        page.wait_for_url("**/verify/status/")
        expect(page.locator(".status__title")).to_have_text("Being checked")
        expect(page.locator("[data-live]")).to_have_attribute("aria-live", "polite")
    finally:
        context.close()


def test_keyboard_focus_is_visible_on_form_fields(page, app):
    page.goto(app + "/accounts/login/")
    page.get_by_label("Email address", exact=True).focus()
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
