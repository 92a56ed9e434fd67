"""What a photo carries besides its pixels never reaches the provider, and what a file does
besides being a picture or a document is refused.

Real files made with Pillow and written byte by byte (tests/support/images.py), through the
real upload path: presigned POST to the S3 server, then the server's check; the checked copy is
read back from the bucket, where providers and staff get it.
"""

from __future__ import annotations

import io

import pytest
import requests
from django.contrib.auth import get_user_model
from PIL import Image
from pypdf import PdfWriter

from kyc.models import Document, Verification
from kyc.services.documents import document_check, document_presign, documents_storage
from tests.support import images

pytestmark = pytest.mark.django_db
SCRIPT_REFUSED = "This PDF contains JavaScript, which we do not accept."
ATTACHMENT_REFUSED = "This PDF has other files attached inside it."


@pytest.fixture
def verification(db) -> Verification:
    user = get_user_model().objects.create_user("exif", "exif@example.com", "pw-12345678")
    return Verification.objects.create(
        user=user, full_name="Asha Rao", email=user.email, phone="+919911002233", nationality="IND"
    )


def _upload(verification: Verification, content: bytes, content_type: str) -> Document:
    kind = Document.Kind.BACK
    ticket = document_presign(verification=verification, kind=kind, content_type=content_type)
    files = {"file": ("file", content, content_type)}
    answer = requests.post(ticket.url, data=ticket.fields, files=files, timeout=30)
    assert answer.status_code in (200, 201, 204), answer.text
    return document_check(document_id=ticket.document.pk)


def _checked(document: Document) -> bytes:
    assert document.state == Document.State.ACCEPTED, document.rejection_reason
    client = documents_storage().connection.meta.client
    body = client.get_object(Bucket=documents_storage().bucket_name, Key=document.checked_key)
    return bytes(body["Body"].read())


def _pixels(content: bytes) -> bytes:
    with Image.open(io.BytesIO(content)) as picture:
        return picture.convert("RGB").tobytes()


def test_a_phones_jpeg_loses_gps_device_and_comment_but_not_a_pixel(verification):
    original = images.camera_jpeg(orientation=6)
    assert images.CAMERA_MODEL.encode() in original  # what the phone wrote
    checked = _checked(_upload(verification, original, "image/jpeg"))
    for secret in (images.CAMERA_MAKE.encode(), images.CAMERA_MODEL.encode()):
        assert secret not in checked
    assert images.OWNER_COMMENT not in checked
    with Image.open(io.BytesIO(checked)) as picture:
        exif = picture.getexif()
        assert dict(exif) == {0x0112: 6}  # the orientation alone: shown upright as taken
        assert not exif.get_ifd(0x8825)  # no GPS
        assert "comment" not in picture.info
    assert _pixels(checked) == _pixels(original)  # the scan data copied, never re-encoded


def test_a_png_loses_its_text_chunks_and_keeps_its_pixels_and_orientation(verification):
    original = images.tagged_png(orientation=3)
    checked = _checked(_upload(verification, original, "image/png"))
    for chunk in (b"tEXt", b"iTXt", images.OWNER_COMMENT):
        assert chunk in original
        assert chunk not in checked
    with Image.open(io.BytesIO(checked)) as picture:
        assert dict(picture.getexif()) == {0x0112: 3}
    assert _pixels(checked) == _pixels(original)


def test_the_document_size_is_the_checked_copys(verification):
    document = _upload(verification, images.camera_jpeg(), "image/jpeg")
    assert document.size == len(_checked(document)) < len(images.camera_jpeg())


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (images.camera_jpeg() + b"PK\x03\x04hidden.zip", "image/jpeg"),
        (images.jpeg() + b"<html><script>alert(1)</script></html>", "image/jpeg"),
        (images.tagged_png() + b"\x00", "image/png"),
    ],
    ids=["jpeg-zip-after-eoi", "jpeg-html-after-eoi", "png-byte-after-iend"],
)
def test_data_after_the_pictures_end_is_refused(verification, content, content_type):
    document = _upload(verification, content, content_type)
    assert document.state == Document.State.REJECTED
    assert document.rejection_reason == (
        "The picture carries extra data after its end. Please export it again."
    )
    assert (document.checked_key, documents_storage().exists(document.key)) == ("", False)


def _written(writer: PdfWriter) -> bytes:
    if not writer.pages:
        writer.add_blank_page(200, 200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _with_attachment() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not really")
    return _written(writer)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            images.pdf_file(b"/OpenAction 4 0 R", b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"),
            SCRIPT_REFUSED,
        ),
        (
            # Names written with #xx escapes are the same names to a viewer.
            images.pdf_file(
                b"/Names << /J#61vaScript 4 0 R >>",
                b"<< /Names [(run) 5 0 R] >>",
                b"<< /S /J#61vaScript /J#53 (this.exportDataObject\\(\\)) >>",
            ),
            SCRIPT_REFUSED,
        ),
        (
            # A script on a page's link annotation, not at opening.
            images.pdf_file(
                b"/AcroForm << /Fields [] >>",
                b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A 5 0 R >>",
                b"<< /S /JavaScript /JS 6 0 R >>",
                b"<< /Length 8 >>\nstream\napp.beep\nendstream",
            ),
            SCRIPT_REFUSED,
        ),
        (_with_attachment(), ATTACHMENT_REFUSED),
    ],
    ids=["open-action", "escaped-names", "unreferenced-action", "attachment"],
)
def test_a_pdf_with_javascript_or_an_attached_file_is_refused(verification, content, message):
    document = _upload(verification, content, "application/pdf")
    assert document.state == Document.State.REJECTED
    assert document.rejection_reason.startswith(message)
    assert "Print to PDF" in document.rejection_reason  # what to do about it
    assert not documents_storage().exists(document.key)


def test_a_password_protected_pdf_is_refused_and_a_plain_one_accepted(verification):
    locked = PdfWriter()
    locked.add_blank_page(200, 200)
    locked.encrypt("secret", algorithm="AES-256")
    refused = _upload(verification, _written(locked), "application/pdf")
    assert refused.rejection_reason == (
        "This PDF is protected by a password. Please upload a copy without one."
    )
    plain = _written(PdfWriter())
    assert _checked(_upload(verification, plain, "application/pdf")) == plain  # PDFs as sent
