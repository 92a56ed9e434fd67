"""The verification page: profile, KYC data, documents by presigned URL, and its history."""

from __future__ import annotations

import io
import re
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.urls import reverse

from kyc.models import AuditEvent, Document, ProviderCall, WebhookEvent
from kyc.services.documents import document_store
from tests.admin.conftest import verification_row, with_submission
from tests.support import images

pytestmark = pytest.mark.django_db


def expires_in(query: dict[str, list[str]]) -> float:
    """Seconds a presigned URL stays valid, whichever signature version signed it."""
    if "X-Amz-Expires" in query:  # SigV4
        return float(query["X-Amz-Expires"][0])
    return float(query["Expires"][0]) - time.time()  # SigV2: an absolute time


def page_of(client, verification) -> str:
    response = client.get(reverse("admin:kyc_verification_change", args=[verification.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_profile_and_the_latest_kyc_data(officer_client):
    verification = verification_row(full_name="Asha Rao", phone="+919812345678")
    with_submission(verification, full_address="12 MG Road", tax_number="ABCPR1234K")
    # A later tax correction carries only its part: the merged view shows the newest number.
    with_submission(verification).__class__.objects.create(
        verification=verification, kind="tax", data={"tax_number": "ABCPR5678K"}
    )
    page = page_of(officer_client, verification)
    for text in ("Asha Rao", "+919812345678", "IND", verification.client_reference_id):
        assert text in page
    assert "12 MG Road" in page
    assert "ABCPR5678K" in page
    assert "Date of birth" in page


def test_documents_are_previewed_through_short_lived_presigned_urls(officer_client):
    verification = verification_row()
    front = document_store(
        verification=verification, kind=Document.Kind.FRONT, upload=io.BytesIO(images.jpeg())
    )
    back = document_store(
        verification=verification, kind=Document.Kind.BACK, upload=io.BytesIO(images.PDF)
    )
    assert front.state == back.state == Document.State.ACCEPTED
    page = page_of(officer_client, verification)
    image_urls = [unescape(url) for url in re.findall(r'<img src="([^"]+)"', page)]
    # Straight from the private bucket (the admin never proxies the file), for 5 minutes.
    bucket_urls = [url for url in image_urls if url.startswith(settings.AWS_S3_ENDPOINT_URL)]
    assert len(bucket_urls) == 1
    url = bucket_urls[0]
    parts = urlsplit(url)
    assert front.checked_key in parts.path  # the checked copy, never the upload
    assert expires_in(parse_qs(parts.query)) <= 300
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == images.jpeg()
    # The PDF is a link, not an image.
    links = [unescape(u) for u in re.findall(r'<a href="([^"]+)"[^>]*>Open the PDF</a>', page)]
    assert len(links) == 1
    assert back.checked_key in links[0]
    # Without the signature the bucket refuses: it is private.
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403


def test_the_history_is_on_the_page(officer_client, officer):
    verification = verification_row()
    with_submission(verification)
    ProviderCall.objects.create(
        verification=verification,
        provider="dollarpe",
        method="PATCH",
        endpoint="kyc/update-tax-info",
        status_code=400,
        duration_ms=123.4,
        error="rejected: Invalid tax number",
        request_body={"customer_id": "x", "tax_number": "••••••••4K"},
    )
    WebhookEvent.objects.create(
        provider="dollarpe",
        body='{"type": "CUSTOMER"}',
        state=WebhookEvent.State.PROCESSED,
        event_type="CUSTOMER",
        event="VERIFIED",
        verification=verification,
    )
    AuditEvent.objects.create(
        verification=verification,
        actor=officer,
        source="staff",
        action="status_changed",
        from_status="PROCESSING",
        to_status="FAILED",
        note="TAX_VERIFICATION_FAILED checked by hand",
    )
    page = page_of(officer_client, verification)
    assert "kyc/update-tax-info" in page
    assert "123 ms" in page
    assert "rejected: Invalid tax number" in page
    assert "First submission" in page
    assert "CUSTOMER" in page
    assert "Processed" in page
    assert officer.username in page
    assert "PROCESSING → FAILED" in page
    assert "TAX_VERIFICATION_FAILED checked by hand" in page


def test_the_webhook_and_audit_and_call_lists_are_read_only(officer_client):
    verification = verification_row()
    AuditEvent.objects.create(verification=verification, source="system", action="x")
    for name in ("auditevent", "providercall", "webhookevent"):
        listing = officer_client.get(reverse(f"admin:kyc_{name}_changelist"))
        assert listing.status_code == 200
        assert f"/admin/kyc/{name}/add/" not in listing.content.decode()


def test_a_viewer_gets_no_document_preview(viewer_client):
    """A picture of an identity document shows its number: masked data, no pictures."""
    verification = verification_row()
    document_store(
        verification=verification, kind=Document.Kind.FRONT, upload=io.BytesIO(images.jpeg())
    )
    page = page_of(viewer_client, verification)
    assert "Document, front (Accepted)" in page
    assert settings.AWS_S3_ENDPOINT_URL not in page
