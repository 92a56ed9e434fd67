"""Steps of the journey's browser tests (tests/browser/test_journey*.py): the app's origin
allowed by the bucket, the webhook registered with the emulator, and what a person does."""

from __future__ import annotations

import os
import random
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from kyc.providers.dollarpe.client import DollarPeClient
from kyc.webhooks.views import webhook_path
from sandbox.s3 import create_private_bucket
from tests.support import emails, images

WEBHOOK_PATH = webhook_path("dollarpe")

PASSWORD = "correct-horse-battery-staple"
DECISION = 60_000  # ms: a give-up limit for the provider's decision to reach the page


def allow_uploads_from(live_server_url: str) -> None:
    """Let this page's origin POST to the bucket."""
    create_private_bucket(
        settings.AWS_S3_ENDPOINT_URL,
        settings.AWS_STORAGE_BUCKET_NAME,
        settings.AWS_S3_REGION_NAME,
        origins=[live_server_url],
    )


def connect(live_server_url: str) -> None:
    """Let this page's origin POST to the bucket, and have the emulator call us back."""
    allow_uploads_from(live_server_url)
    DollarPeClient.from_settings().register_webhook(live_server_url + WEBHOOK_PATH)


def screenshot(page: Any, name: str) -> None:
    """A full-page picture for a person to look at, kept only when KYC_SCREENSHOTS names a
    folder (e.g. `KYC_SCREENSHOTS=/tmp/shots make test`)."""
    folder = os.environ.get("KYC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def phone_number() -> str:
    """A new Indian mobile number: the emulator refuses one already registered."""
    return "98" + "".join(random.choice("123456789") for _ in range(8))


def file(name: str, content: bytes, mime: str) -> dict[str, Any]:
    return {"name": name, "mimeType": mime, "buffer": content}


def sign_up(page: Any, base: str) -> str:
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(base + "/accounts/signup/")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/accounts/signup/sent/")
    page.goto(base + emails.signup_link(email))  # the link the worker emailed
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/verify/profile/")
    return email


def fill_profile(page: Any, phone: str) -> None:
    page.get_by_label("Full name", exact=True).fill("Asha Rao")
    page.get_by_label("Nationality", exact=True).select_option("IND")
    page.get_by_label("Mobile phone number", exact=True).fill(phone)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/verify/documents/")


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def upload(page: Any, input_id: str, content: bytes, name: str, mime: str) -> None:
    page.set_input_files(f"#{input_id}", files=[file(name, content, mime)])


def upload_documents(page: Any) -> None:
    upload(page, "id_document_front", images.jpeg(), "front.jpg", "image/jpeg")
    upload(page, "id_document_back", images.png(), "back.png", "image/png")
    upload(page, "id_selfie_camera", images.jpeg(), "me.jpg", "image/jpeg")
    for kind in ("document_front", "document_back", "selfie"):
        received = page.locator(f"#id_{kind}_status")
        received.filter(has_text="Received. It is a readable").wait_for()


def fill_details(page: Any, tax_number: str, dob: str = "1990-04-01") -> None:
    page.get_by_label("Address line 1", exact=True).fill("12 MG Road")
    page.get_by_label("Town or city", exact=True).fill("Bengaluru")
    page.get_by_label("PIN or postal code", exact=True).fill("560001")
    page.get_by_label("Date of birth", exact=True).fill(dob)
    page.get_by_label("PAN (tax number)", exact=True).fill(tax_number)
    page.get_by_label("Identity document", exact=True).select_option("PASSPORT")
    page.get_by_label("Document number", exact=True).fill("J8369854")
    page.get_by_label("Income range", exact=True).fill("5-10L")
    # Typed, with the suggestions list open, as a person does: one click must still send.
    page.get_by_label("Profession", exact=True).press_sequentially("Engineer")
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Send for verification").click()
    page.wait_for_url("**/verify/status/")
