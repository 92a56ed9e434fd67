"""Staff and Rebilly's documents: seen on the verification page, accepted or refused there
by an officer (calling /acceptance and /rejection), refused to a viewer, always audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kyc.models import AuditEvent, ProviderDocument, Status, Verification
from kyc.services.polling import verification_refresh
from tests.admin.conftest import ROLES
from tests.admin.conftest import staff_client as client_of
from tests.rebilly.conftest import api, applicant, documents_of, hand_off

pytestmark = pytest.mark.django_db


def waiting_for_review(rebilly: Any) -> Verification:
    """Both documents uploaded and left for a person to review ("review" in the gatherer)."""
    verification = applicant()
    gatherer = hand_off(verification).url
    rebilly.gatherer_submit(gatherer, {"identity-proof": "review", "address-proof": "review"})
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    assert verification.status == Status.PROCESSING
    assert ProviderDocument.objects.filter(verification=verification, status="pending").count() == 2
    return verification


def assert_untouched(rebilly: Any, verification: Verification) -> None:
    """Nothing was decided at Rebilly: both documents still wait for a person."""
    statuses = {d["status"] for d in documents_of(rebilly, verification.provider_case_id)}
    assert statuses == {"pending"}


def review_url(verification: Verification, document: ProviderDocument) -> str:
    return reverse("admin:kyc_verification_document_review", args=[verification.pk, document.pk])


def test_the_page_lists_the_documents_with_decisions_for_officers_only(rebilly: Any) -> None:
    verification = waiting_for_review(rebilly)
    officer, _member = client_of(ROLES.OFFICER)
    viewer, _other = client_of(ROLES.VIEWER)
    change = reverse("admin:kyc_verification_change", args=[verification.pk])
    officer_page = officer.get(change).content.decode()
    assert "Documents at the provider" in officer_page
    assert "Identity document" in officer_page
    assert "Proof of address" in officer_page
    assert "Waiting for review" in officer_page
    assert "document-expired" in officer_page  # a rejection reason offered to the officer
    viewer_page = viewer.get(change).content.decode()
    assert "Documents at the provider" in viewer_page
    assert 'name="decision"' not in viewer_page
    document = ProviderDocument.objects.filter(verification=verification).first()
    assert document is not None
    refused = viewer.post(review_url(verification, document), {"decision": "accept"})
    assert refused.status_code == 403
    assert_untouched(rebilly, verification)


def test_an_officer_accepts_both_documents_and_the_applicant_is_verified(rebilly: Any) -> None:
    verification = waiting_for_review(rebilly)
    officer, member = client_of(ROLES.OFFICER)
    for document in ProviderDocument.objects.filter(verification=verification):
        response = officer.post(review_url(verification, document), {"decision": "accept"})
        assert response.status_code == 302
    at_rebilly = documents_of(rebilly, verification.provider_case_id)
    assert {d["status"] for d in at_rebilly} == {"accepted"}
    assert all(d["reviewerId"] for d in at_rebilly)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    accepted = AuditEvent.objects.filter(verification=verification, action="document_accepted")
    assert accepted.count() == 2
    assert {event.actor for event in accepted} == {member}


def test_an_officer_refuses_one_with_a_reason_and_a_message(rebilly: Any) -> None:
    verification = waiting_for_review(rebilly)
    officer, member = client_of(ROLES.OFFICER)
    document = ProviderDocument.objects.get(verification=verification, type="identity")
    form = {"decision": "reject", "reason": "document-expired", "message": "Expired in 2023"}
    response = officer.post(review_url(verification, document), form, follow=True)
    assert "Document refused." in response.content.decode()
    at_rebilly = api(rebilly, "GET", f"/kyc-documents/{document.provider_document_id}")
    assert at_rebilly["status"] == "rejected"
    assert at_rebilly["rejectionReason"] == {
        "type": "document-expired",
        "message": "Expired in 2023",
    }
    document.refresh_from_db()
    assert (document.status, document.provider_reason, document.reviewed_by_staff) == (
        "rejected",
        "document-expired",
        True,
    )
    audit = AuditEvent.objects.get(verification=verification, action="document_rejected")
    assert audit.actor == member
    assert "Expired in 2023" in audit.note


@pytest.mark.parametrize(
    "form",
    [
        {"decision": "reject", "reason": "", "message": "why"},
        {"decision": "reject", "reason": "not-a-reason", "message": "why"},
        {"decision": "reject", "reason": "document-expired", "message": ""},
        {"decision": "maybe"},
    ],
    ids=["no-reason", "unknown-reason", "no-message", "no-decision"],
)
def test_an_incomplete_decision_is_refused_and_sends_nothing(rebilly: Any, form: dict) -> None:
    verification = waiting_for_review(rebilly)
    officer, _member = client_of(ROLES.OFFICER)
    document = ProviderDocument.objects.filter(verification=verification).first()
    assert document is not None
    officer.post(review_url(verification, document), form)
    assert_untouched(rebilly, verification)
    assert not AuditEvent.objects.filter(action__startswith="document_")


def test_a_document_is_reviewed_only_through_its_own_verification(rebilly: Any) -> None:
    verification = waiting_for_review(rebilly)
    other = applicant()
    officer, _member = client_of(ROLES.OFFICER)
    document = ProviderDocument.objects.filter(verification=verification).first()
    assert document is not None
    response = officer.post(review_url(other, document), {"decision": "accept"})
    assert response.status_code == 404
    assert_untouched(rebilly, verification)


def test_staff_never_see_a_gatherer_session_token_in_a_stored_delivery(rebilly: Any) -> None:
    import base64
    import json

    from django.conf import settings

    from kyc.models import WebhookEvent
    from kyc.webhooks.views import webhook_path

    body = {
        "customerId": "kyc_someone",
        "kycRequestId": "kyc_req_1",
        "eventType": "kyc-request-attempted",
        "_embedded": {
            "kycRequest": {
                "revision": 2,
                "_links": [{"rel": "gatherer", "href": "https://g.example/?token=SESSION-SECRET"}],
            }
        },
    }
    credential = f"{settings.REBILLY_WEBHOOK_USERNAME}:{settings.REBILLY_WEBHOOK_PASSWORD}"
    auth = "Basic " + base64.b64encode(credential.encode()).decode()
    Client().post(
        webhook_path("rebilly"),
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": auth},
    )
    row = WebhookEvent.objects.get()
    viewer, _member = client_of(ROLES.VIEWER)
    page = viewer.get(reverse("admin:kyc_webhookevent_change", args=[row.pk])).content.decode()
    assert "https://g.example/?(query hidden)" in page
    assert "SESSION-SECRET" not in page
