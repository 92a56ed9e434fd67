"""CSV export of the filtered list: streamed, masked unless permitted, spreadsheet-safe."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from kyc.models import Status
from tests.admin.conftest import verification_row, with_submission

pytestmark = pytest.mark.django_db
EXPORT = reverse("admin:kyc_verification_export")


def exported(client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"{EXPORT}?{query}")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="verifications-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def failed(db):
    verification = verification_row(
        full_name="Failed Person",
        status=Status.FAILED,
        failure_reason="other",
        provider_reason="KYC_FAILED",
    )
    with_submission(verification, tax_number="ABCPR1234K", document_number="987654321012")
    verification_row(full_name="Verified Person", status=Status.VERIFIED)
    return verification


def test_the_export_follows_the_lists_filters(officer_client, failed):
    assert {row["full_name"] for row in exported(officer_client)} == {
        "Failed Person",
        "Verified Person",
    }
    rows = exported(officer_client, "status__exact=FAILED")
    assert [row["full_name"] for row in rows] == ["Failed Person"]
    assert (rows[0]["failure_reason"], rows[0]["provider_reason"]) == ("other", "KYC_FAILED")
    assert rows[0]["client_reference_id"] == failed.client_reference_id
    assert [row["full_name"] for row in exported(officer_client, "q=verified")] == [
        "Verified Person"
    ]


def test_a_viewer_exports_masked_identity_numbers(viewer_client, failed):
    (row,) = exported(viewer_client, "status__exact=FAILED")
    assert row["tax_number"] == "••••••••4K"
    assert row["document_number"] == "••••••••••12"
    assert row["document_type"] == "AADHAAR"


def test_an_officer_exports_them_whole(officer_client, failed):
    (row,) = exported(officer_client, "status__exact=FAILED")
    assert (row["tax_number"], row["document_number"]) == ("ABCPR1234K", "987654321012")


def test_user_text_never_becomes_a_spreadsheet_formula(officer_client):
    verification_row(full_name='=HYPERLINK("http://evil.example","x")')
    (row,) = exported(officer_client)
    assert row["full_name"] == '\'=HYPERLINK("http://evil.example","x")'


def test_the_export_needs_the_view_permission(client, django_user_model):
    staff = django_user_model.objects.create_user("plain-staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(EXPORT).status_code == 403


def test_the_export_link_carries_the_current_filters(officer_client, failed):
    page = officer_client.get(
        reverse("admin:kyc_verification_changelist") + "?status__exact=FAILED"
    ).content.decode()
    assert f"{EXPORT}?status__exact=FAILED" in page
