"""Uploads: presigned POSTs checked afterwards, and the plain multipart form without JS."""

from __future__ import annotations

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kyc.models import Document
from kyc.services.documents import documents_storage
from tests.onboarding.conftest import created_verification, make_user, store
from tests.support import images

pytestmark = pytest.mark.django_db
URL = reverse("onboarding:uploads")


def presigned_upload(
    client, kind: str, content: bytes, content_type: str = "image/jpeg", **check: str
) -> dict:
    """Presign, POST the file to the bucket as the browser does, then ask for the check
    (`check`: what the browser adds, e.g. sent_anyway="1")."""
    asked = {"kind": kind, "content_type": content_type}
    ticket = client.post(reverse("onboarding:presign"), asked)
    assert ticket.status_code == 200, ticket.content
    body = ticket.json()
    posted = requests.post(
        body["url"],
        data=body["fields"],
        files={"file": ("photo", content, content_type)},
        timeout=10,
    )
    assert posted.status_code in (200, 201, 204), posted.text
    return client.post(reverse("onboarding:check", args=[body["document"]]), check).json()


def exists(document: Document) -> bool:
    client = documents_storage().connection.meta.client
    listed = client.list_objects_v2(Bucket=documents_storage().bucket_name, Prefix=document.key)
    return listed.get("KeyCount", 0) > 0


def test_presigned_post_then_check_accepts_a_real_photo(signed_in, user, emulator):
    created_verification(user)
    answer = presigned_upload(signed_in, "selfie", images.jpeg())
    assert answer["accepted"] is True
    document = Document.objects.get(pk=answer["document"])
    assert (document.state, document.content_type) == (Document.State.ACCEPTED, "image/jpeg")
    assert document.verification.user == user


def test_a_renamed_executable_is_refused_deleted_and_explained(signed_in, user, emulator):
    created_verification(user)
    answer = presigned_upload(signed_in, "document_front", images.EXECUTABLE)
    assert answer["accepted"] is False
    assert answer["message"] == "The document must be a JPEG, PNG or PDF file."
    document = Document.objects.get(pk=answer["document"])
    assert document.state == Document.State.REJECTED
    assert not exists(document)


def test_a_pdf_selfie_is_refused(signed_in, user, emulator):
    created_verification(user)
    answer = presigned_upload(signed_in, "selfie", images.PDF)
    assert answer == {
        "document": answer["document"],
        "accepted": False,
        "message": "A selfie must be a JPEG or PNG photo.",
        "warnings": [],
    }


def test_presign_refuses_an_unknown_kind_and_a_stage_without_uploads(signed_in, user, emulator):
    assert signed_in.post(reverse("onboarding:presign"), {"kind": "selfie"}).status_code == 404
    verification = created_verification(user)
    assert signed_in.post(reverse("onboarding:presign"), {"kind": "passport"}).status_code == 400
    verification.status = "VERIFIED"
    verification.save(update_fields=["status"])
    refused = signed_in.post(reverse("onboarding:presign"), {"kind": "selfie"})
    assert refused.status_code == 409


def test_presign_and_check_accept_only_post(signed_in):
    assert signed_in.get(reverse("onboarding:presign")).status_code == 405
    assert signed_in.get(reverse("onboarding:check", args=[1])).status_code == 405


def test_checking_another_users_document_is_a_404(client, emulator):
    owner = make_user()
    document = store(created_verification(owner), "selfie", images.png())
    intruder = make_user()
    created_verification(intruder)
    client.force_login(intruder)
    response = client.post(reverse("onboarding:check", args=[document.pk]))
    assert response.status_code == 404
    document.refresh_from_db()
    assert document.checked_at is not None  # checked once, at upload; the intruder changed nothing


def test_without_javascript_the_files_post_with_the_form(signed_in, user, emulator):
    verification = created_verification(user)
    response = signed_in.post(
        URL,
        {
            "document_front": SimpleUploadedFile("front.jpg", images.jpeg()),
            "document_back_camera": SimpleUploadedFile("back.png", images.png()),
            "selfie": SimpleUploadedFile("me.jpg", images.jpeg()),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:kyc")
    kinds = set(verification.documents.filter(state="accepted").values_list("kind", flat=True))
    assert kinds == {"document_front", "document_back", "selfie"}
    # Back on the page, each file shows as received and is kept.
    page = signed_in.get(URL).content.decode()
    assert page.count("✓</span> Received. It is a readable") == 3


def test_without_javascript_a_refused_file_shows_its_reason_on_its_field(signed_in, user, emulator):
    created_verification(user)
    response = signed_in.post(
        URL,
        {
            "document_front": SimpleUploadedFile("front.png", images.EXECUTABLE),
            "document_back": SimpleUploadedFile("back.png", images.png()),
        },
        follow=True,
    )
    assert response.redirect_chain == [(URL, 303)]
    errors = response.context["form"].errors
    assert errors["document_front"] == ["The document must be a JPEG, PNG or PDF file."]
    assert errors["selfie"] == ["Add a selfie."]
    assert "document_back" not in errors
    html = response.content.decode()
    assert 'href="#id_document_front_camera"' in html  # the slot's primary control
    back = response.context["form"].documents["document_back"]
    assert f'name="document_back_id" value="{back.pk}"' in html


def test_without_javascript_a_file_over_the_limit_is_never_stored(
    signed_in, user, emulator, settings
):
    settings.DOCUMENT_MAX_BYTES = 200 * 1024
    verification = created_verification(user)
    big = b"\x89PNG\r\n\x1a\n" + bytes(300 * 1024)
    response = signed_in.post(URL, {"selfie": SimpleUploadedFile("big.png", big)}, follow=True)
    assert response.context["form"].errors["selfie"] == [
        "This file is larger than the limit of 200 KB."
    ]
    assert not verification.documents.filter(kind="selfie").exists()


def test_big_files_stream_through_a_temporary_file_not_memory(settings):
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    assert TemporaryFileUploadHandler.__module__ + ".TemporaryFileUploadHandler" in (
        settings.FILE_UPLOAD_HANDLERS
    )


def test_an_id_of_another_users_document_is_not_accepted(client, emulator):
    stranger_document = store(created_verification(make_user()), "selfie", images.png())
    user = make_user()
    created_verification(user)
    client.force_login(user)
    response = client.post(
        URL,
        {
            "document_front": SimpleUploadedFile("f.jpg", images.jpeg()),
            "document_back": SimpleUploadedFile("b.jpg", images.jpeg()),
            "selfie_id": str(stranger_document.pk),
        },
        follow=True,
    )
    assert response.redirect_chain == [(URL, 303)]
    assert response.context["form"].errors["selfie"] == [
        "We do not have this file. Please add it again."
    ]


def test_upload_inputs_offer_the_camera_and_a_plain_file_fallback(signed_in, user, emulator):
    created_verification(user)
    html = signed_in.get(URL).content.decode()
    assert 'accept="image/*" capture="environment"' in html
    assert 'accept="image/*" capture="user"' in html
    assert 'accept="image/jpeg,image/png,application/pdf"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "data-presign-url" in html
