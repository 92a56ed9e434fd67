"""Hostile files through the real upload path: presigned POST to S3, then the server's check.

Each is refused with a message a person understands, and nothing stays in the bucket.
"""

from __future__ import annotations

import io
import mimetypes
import struct
import zlib

import pytest
import requests
from django.contrib.auth import get_user_model

from kyc.models import Document, Verification
from kyc.services.documents import (
    document_check,
    document_presign,
    document_store,
    documents_storage,
)
from tests.support import images

pytestmark = pytest.mark.django_db


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 60_000) -> bytes:
    """A tiny PNG that claims 60,000 x 60,000 pixels (3.6 billion) when decoded."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * (1 + side // 8) * 16, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.fixture
def verification(db):
    user = get_user_model().objects.create_user("hostile", "hostile@example.com", "pw-12345678")
    return Verification.objects.create(
        user=user, full_name="Asha Rao", email=user.email, phone="+919911002211", nationality="IND"
    )


def _upload(verification, kind: str, content: bytes, filename: str) -> Document:
    """As the browser does: its declared type is the one its file name suggests."""
    declared = mimetypes.guess_type(filename)[0] or ""
    ticket = document_presign(verification=verification, kind=kind, content_type=declared)
    response = requests.post(
        ticket.url, data=ticket.fields, files={"file": (filename, content, declared)}, timeout=60
    )
    assert response.status_code in (200, 201, 204), response.text
    return document_check(document_id=ticket.document.pk)


def _in_bucket(key: str) -> bool:
    return documents_storage().exists(key)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("id.png", images.EXECUTABLE, "must be a JPEG, PNG or PDF"),
        ("id.png", images.png() + b"PK\x03\x04" + b"hidden zip" * 100, "extra data after its end"),
        ("id.png", png_bomb(), "too large to process"),
        ("id.png", SVG, "must be a JPEG, PNG or PDF"),
        ("id.jpg", HEIC, "HEIC photos are not accepted"),
        ("id.jpg", b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 50, "cannot be read"),
    ],
    ids=[
        "executable",
        "png-trailing-payload",
        "bomb",
        "svg",
        "heic",
        "corrupt-jpeg",
    ],
)
def test_hostile_document_is_refused_and_removed(verification, filename, content, message):
    document = _upload(verification, Document.Kind.FRONT, content, filename)
    assert document.state == Document.State.REJECTED
    assert message in document.rejection_reason
    assert not _in_bucket(document.key)
    assert verification.audit_events.filter(action="document_refused").count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\xff\xd8\xff\xe0" + b"\x00" * (11 * 1024 * 1024), "the limit is 10 MB")],
    ids=["empty", "11MB"],
)
def test_a_size_the_bucket_policy_refuses_is_refused_by_the_check_too(
    verification, content, message
):
    """The presigned POST's content-length-range stops these at the bucket
    (tests/sandbox/test_s3_policy.py); written some other way (the form without JavaScript
    streams to the bucket itself), the check refuses them."""
    document = document_store(
        verification=verification, kind=Document.Kind.FRONT, upload=io.BytesIO(content)
    )
    assert document.state == Document.State.REJECTED
    assert message in document.rejection_reason
    assert not _in_bucket(document.key)


def test_a_pdf_is_a_document_but_not_a_selfie(verification):
    assert _upload(verification, Document.Kind.BACK, images.PDF, "id.pdf").state == "accepted"
    selfie = _upload(verification, Document.Kind.SELFIE, images.PDF, "me.pdf")
    assert selfie.state == Document.State.REJECTED
    assert "selfie must be a JPEG or PNG" in selfie.rejection_reason


@pytest.mark.parametrize("make", [images.jpeg, images.png])
def test_real_photos_are_accepted_and_kept(verification, make):
    document = _upload(verification, Document.Kind.SELFIE, make(), "me.img")
    assert document.state == Document.State.ACCEPTED
    assert document.size == len(make())  # nothing to strip from these
    assert _in_bucket(document.checked_key)
    assert not _in_bucket(document.key)  # the upload itself is gone: only checked bytes stay


def test_checking_twice_changes_nothing(verification):
    document = _upload(verification, Document.Kind.FRONT, images.jpeg(), "id.jpg")
    again = document_check(document_id=document.pk)
    assert (again.state, again.checked_at) == (document.state, document.checked_at)
