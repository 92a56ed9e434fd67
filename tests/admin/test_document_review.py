"""Per-document review (kyc/services/document_review.py, kyc/admin/document_viewer.py): an
officer accepts, refuses, or asks the applicant for exactly one file again; the applicant sees
the request and sends that file only, which goes to the provider as a document correction.

Real database, real bucket (moto over HTTP), the DollarPe and Rebilly emulators over HTTP.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from kyc.models import AuditEvent, Document, ProviderDocument, Status, Submission, Verification
from kyc.services import document_review
from kyc.services.polling import verification_refresh
from kyc.services.staff import StaffActionRefused
from tests.admin.conftest import ROLES, staff_client
from tests.support import images
from tests.support.builders import customer, document, processing, queued_submission, sent

pytestmark = pytest.mark.django_db

_MIGRATION = next(Path("kyc/migrations").glob("*_document_review.py")).stem
REVIEW_MIGRATION = importlib.import_module(f"kyc.migrations.{_MIGRATION}")
MESSAGE = 'The back is blurred <b>"retake"</b> & keep the corners in'


def grant_review() -> None:
    """The officers' review permission, as the data migration grants it (after a flush too)."""
    from django.apps import apps

    REVIEW_MIGRATION.grant(apps)


def officer() -> tuple[Client, Any]:
    client, member = staff_client(ROLES.OFFICER)
    grant_review()
    return client, member


def viewer() -> tuple[Client, Any]:
    client, member = staff_client(ROLES.VIEWER)
    grant_review()
    return client, member


def failed_document(emulator: Any) -> Verification:
    """DollarPe refused the identity document (its magic number): a document correction is due."""
    verification = customer()
    submission = sent(queued_submission(verification, document_number="000012345678"))
    assert submission.state == Submission.State.SENT, submission.last_error
    emulator.decide(verification.provider_customer_id)
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    assert verification.status == Status.FAILED
    assert verification.failure_reason == "identity_document"
    return verification


def file_of(verification: Verification, kind: str) -> Document:
    return verification.documents.filter(kind=kind, state=Document.State.ACCEPTED).latest(
        "created_at"
    )


def viewer_url(verification: Verification) -> str:
    return reverse("admin:kyc_verification_document_viewer", args=[verification.pk])


def decide_url(verification: Verification, document_id: int) -> str:
    return reverse("admin:kyc_verification_document_decide", args=[verification.pk, document_id])


def test_the_officers_group_may_review_documents_and_the_viewers_group_may_not():
    grant_review()
    officers = Group.objects.get(name=ROLES.OFFICER).permissions.values_list("codename", flat=True)
    viewers = Group.objects.get(name=ROLES.VIEWER).permissions.values_list("codename", flat=True)
    assert "review_document" in officers
    assert "review_document" not in viewers


def test_an_officer_asks_for_the_back_again_and_the_applicant_sends_that_file_only(emulator):
    verification = failed_document(emulator)
    front, back = file_of(verification, "document_front"), file_of(verification, "document_back")
    client, member = officer()

    page = client.get(viewer_url(verification))
    assert page.status_code == 200
    assert "X-Amz-Signature" in page.content.decode()  # presigned GETs of the checked copies
    assert "documents_viewed" in AuditEvent.objects.filter(
        verification=verification, actor=member
    ).values_list("action", flat=True)

    answer = client.post(
        decide_url(verification, back.pk),
        {"decision": "reupload", "reason": "unreadable", "message": MESSAGE},
    )
    assert answer.status_code == 302
    back.refresh_from_db()
    assert back.review_state == Document.Review.REUPLOAD
    assert (back.review_reason, back.review_message, back.reviewed_by) == (
        "unreadable",
        MESSAGE,
        member,
    )
    asked = AuditEvent.objects.get(verification=verification, action="document_reupload_requested")
    assert asked.actor == member
    assert asked.source == "staff"
    assert MESSAGE in asked.note

    applicant = Client()
    applicant.force_login(verification.user)
    status = applicant.get(reverse("onboarding:status")).content.decode()
    assert "Please send this document again: Document, back" in status
    assert "&lt;b&gt;&quot;retake&quot;&lt;/b&gt; &amp; keep" in status  # escaped, as written
    assert "<b>" not in status
    assert "We could not read it" in status  # our words for the reason
    hindi = applicant.get(reverse("onboarding:status"), HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert "हम इसे पढ़ नहीं सके" in hindi  # our words, in the applicant's language
    assert "&lt;b&gt;&quot;retake&quot;&lt;/b&gt; &amp; keep" in hindi  # the officer's, as written
    fix = applicant.get(reverse("onboarding:fix"))
    assert fix.status_code == 302
    assert fix["Location"] == reverse("onboarding:reupload")
    form = applicant.get(reverse("onboarding:reupload")).content.decode()
    assert 'name="document_back"' in form
    assert 'name="document_front"' not in form
    assert 'name="selfie"' not in form

    new_back = document(verification, "document_back", images.png())
    sent_form = applicant.post(reverse("onboarding:reupload"), {"document_back_id": new_back.pk})
    assert sent_form.status_code == 302

    correction = verification.submissions.get(kind=Submission.Kind.DOCUMENT)
    assert correction.data["documents"] == {
        "document_front": front.pk,
        "document_back": new_back.pk,
    }
    assert correction.data["document_type"] == "AADHAAR"
    back.refresh_from_db()
    assert back.review_state == Document.Review.REPLACED
    assert AuditEvent.objects.filter(
        verification=verification, action="document_reuploaded", actor=verification.user
    ).exists()
    assert sent(correction).state == Submission.State.SENT  # the provider took it
    verification.refresh_from_db()
    assert verification.status == Status.PROCESSING
    assert verification.corrections_used == 1


def test_a_viewer_sees_the_files_but_no_picture_and_is_refused_a_decision(emulator):
    verification = failed_document(emulator)
    back = file_of(verification, "document_back")
    client, member = viewer()

    page = client.get(viewer_url(verification))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Document, back" in html
    assert "X-Amz-Signature" not in html  # no picture, no address
    assert "checked/" not in html
    assert "Ask for this document again" not in html
    assert not AuditEvent.objects.filter(actor=member).exists()  # nothing unmasked was read

    answer = client.post(
        decide_url(verification, back.pk),
        {"decision": "reupload", "reason": "unreadable", "message": "again"},
    )
    assert answer.status_code == 403
    back.refresh_from_db()
    assert back.review_state == ""
    assert not AuditEvent.objects.filter(actor=member).exists()


def test_accept_and_refuse_are_recorded_on_our_side_with_the_reason(emulator):
    verification = failed_document(emulator)
    front, selfie = file_of(verification, "document_front"), file_of(verification, "selfie")
    client, member = officer()

    client.post(decide_url(verification, selfie.pk), {"decision": "accept"})
    client.post(
        decide_url(verification, front.pk),
        {"decision": "reject", "reason": "expired", "note": "expired in 2019"},
    )
    selfie.refresh_from_db()
    front.refresh_from_db()
    assert selfie.review_state == Document.Review.ACCEPTED
    assert selfie.reviewed_by == member
    assert (front.review_state, front.review_reason, front.review_note) == (
        "rejected",
        "expired",
        "expired in 2019",
    )
    actions = set(AuditEvent.objects.filter(actor=member).values_list("action", flat=True))
    assert {"document_review_accepted", "document_review_rejected"} <= actions

    # The same decision again changes nothing and leaves no entry.
    before = AuditEvent.objects.count()
    result = document_review.document_accept(document_id=selfie.pk, actor=member)
    assert not result.done
    assert AuditEvent.objects.count() == before


def test_a_refusal_needs_a_known_reason_and_a_new_upload_a_message(emulator):
    verification = failed_document(emulator)
    back = file_of(verification, "document_back")
    _client, member = officer()
    with pytest.raises(StaffActionRefused):
        document_review.document_reject(document_id=back.pk, actor=member, reason="nonsense")
    with pytest.raises(StaffActionRefused):
        document_review.document_request_reupload(
            document_id=back.pk, actor=member, reason="unreadable", message="  "
        )
    back.refresh_from_db()
    assert back.review_state == ""
    assert not AuditEvent.objects.filter(actor=member).exists()


def test_no_new_upload_is_asked_while_the_provider_is_checking(emulator, settings):
    verification = processing()
    if verification.status != Status.PROCESSING:
        pytest.skip("the emulator decided before the test looked")
    back = file_of(verification, "document_back")
    _client, member = officer()
    result = document_review.document_request_reupload(
        document_id=back.pk, actor=member, reason="unreadable", message="again"
    )
    assert not result.done
    back.refresh_from_db()
    assert back.review_state == ""
    assert not AuditEvent.objects.filter(actor=member).exists()


def test_a_selfie_is_not_asked_for_when_the_correction_sends_the_document(emulator):
    verification = failed_document(emulator)
    selfie = file_of(verification, "selfie")
    _client, member = officer()
    result = document_review.document_request_reupload(
        document_id=selfie.pk, actor=member, reason="face_mismatch", message="again"
    )
    assert not result.done
    assert "does not send this file" in result.message


def test_for_a_provider_reviewing_each_document_a_new_upload_is_asked_at_the_provider(rebilly):
    from tests.rebilly.conftest import applicant, documents_of, hand_off

    verification = applicant(full_name="Grace Hopper", given_name="Grace", family_name="Hopper")
    gatherer = hand_off(verification).url
    rebilly.gatherer_submit(gatherer, {"identity-proof": "review", "address-proof": "review"})
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    address = ProviderDocument.objects.get(verification=verification, type="address")
    client, member = officer()

    page = client.get(viewer_url(verification)).content.decode()
    assert "Documents at the provider" in page
    assert "Ask for this document again" in page
    url = reverse(
        "admin:kyc_verification_provider_document_decide", args=[verification.pk, address.pk]
    )
    message = "The photo is too dark to read"
    client.post(url, {"decision": "reupload", "reason": "document-unreadable", "message": message})

    at_rebilly = {
        d["documentType"]: d["status"] for d in documents_of(rebilly, verification.provider_case_id)
    }
    assert at_rebilly["address-proof"] == "rejected"
    address.refresh_from_db()
    assert address.status == ProviderDocument.State.REJECTED
    assert address.reason_text == message
    asked = AuditEvent.objects.get(verification=verification, action="document_reupload_requested")
    assert asked.actor == member
    assert message in asked.note

    # A viewer cannot ask, whatever they post.
    viewer_client, _viewer = viewer()
    identity = ProviderDocument.objects.get(verification=verification, type="identity")
    url = reverse(
        "admin:kyc_verification_provider_document_decide", args=[verification.pk, identity.pk]
    )
    assert viewer_client.post(url, {"decision": "accept"}).status_code == 403


def test_the_viewer_asks_the_database_as_often_whatever_the_number_of_files(emulator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    verification = failed_document(emulator)
    client, _member = officer()
    client.get(viewer_url(verification))  # sessions and permissions cached
    with CaptureQueriesContext(connection) as three_files:
        assert client.get(viewer_url(verification)).status_code == 200
    for kind in ("document_front", "document_back", "selfie"):
        document(verification, kind)
    with CaptureQueriesContext(connection) as six_files:
        page = client.get(viewer_url(verification))
    assert page.content.decode().count('class="kyc-review"') == 6
    assert len(six_files) == len(three_files)


def test_the_applicant_is_emailed_the_request_with_the_officers_message(
    emulator, eager_tasks, django_capture_on_commit_callbacks
):
    from django.core import mail

    verification = failed_document(emulator)
    back = file_of(verification, "document_back")
    _client, member = officer()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = document_review.document_request_reupload(
            document_id=back.pk, actor=member, reason="cut_off", message="Keep all four corners"
        )
    assert result.done
    (email,) = [m for m in mail.outbox if verification.user.email in m.to]
    assert "Keep all four corners" in email.body
    assert "/verify/fix/" in email.body  # which leads to this file's page only
