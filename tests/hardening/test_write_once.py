"""Documents are write-once: what a provider or staff get is the bytes the check passed.

A presigned POST stays usable until it expires, so the same policy can be used again after
the check; the file it then writes must reach nobody. DollarPe's emulator fetches our URLs
over HTTP and records a digest of the bytes it received; Qolo takes the bytes inline (read
back through the same SubmissionDocuments); staff previews are presigned GETs.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings

from kyc.admin.display import document_previews
from kyc.models import Document, Submission, Verification
from kyc.providers.interface import DocumentUnavailable
from kyc.services.document_orphans import document_delete_orphans
from kyc.services.documents import (
    CHECKED,
    UPLOADS,
    SubmissionDocuments,
    UploadTicket,
    document_check,
    document_presign,
    documents_storage,
)
from kyc.tasks import delete_orphan_uploads
from tests.support import builders, images

pytestmark = pytest.mark.django_db
SWAP = images.png() + b"PK\x03\x04" + b"<html><script>alert(1)</script></html>" * 50


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _post(ticket: UploadTicket, content: bytes, content_type: str = "image/jpeg") -> None:
    files = {"file": ("id.jpg", content, content_type)}
    answer = requests.post(ticket.url, data=ticket.fields, files=files, timeout=30)
    assert answer.status_code in (200, 201, 204), answer.text


def _stored(key: str) -> bytes:
    client = documents_storage().connection.meta.client
    body = client.get_object(Bucket=documents_storage().bucket_name, Key=key)["Body"]
    return bytes(body.read())


def _keys(prefix: str) -> set[str]:
    client = documents_storage().connection.meta.client
    listed = client.list_objects_v2(Bucket=documents_storage().bucket_name, Prefix=prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


def _accepted_then_swapped(verification: Verification) -> tuple[Document, UploadTicket]:
    """A photo uploaded and accepted, then the same presigned POST used again for a PNG with
    a ZIP and an HTML page behind it (the policy is still valid: the bucket takes it)."""
    ticket = document_presign(
        verification=verification, kind=Document.Kind.FRONT, content_type="image/jpeg"
    )
    _post(ticket, images.camera_jpeg())
    document = document_check(document_id=ticket.document.pk)
    assert document.state == Document.State.ACCEPTED, document.rejection_reason
    _post(ticket, SWAP)
    assert _stored(document.key) == SWAP  # the swap is in the bucket, where it was uploaded
    return document, ticket


def _submission(verification: Verification, front: Document) -> Submission:
    submission = builders.queued_submission(verification)
    submission.data["documents"]["document_front"] = front.pk
    Submission.objects.filter(pk=submission.pk).update(data=submission.data)
    submission.refresh_from_db()
    return submission


def test_a_post_sent_again_after_the_check_changes_nothing_dollarpe_fetches(emulator):
    verification = builders.customer()
    document, _ticket = _accepted_then_swapped(verification)
    checked = _stored(document.checked_key)
    assert document.checked_key.startswith(CHECKED)
    assert checked != SWAP
    builders.sent(_submission(verification, document))
    emulator.decide(builders.customer_id(verification))
    fetched = {
        d["role"]: d for d in emulator.customer(builders.customer_id(verification))["documents"]
    }
    assert fetched["document_front"]["ok"] is True
    assert fetched["document_front"]["sha256"] == _digest(checked)
    assert fetched["document_front"]["detected_type"] == "jpeg"


def test_the_inline_bytes_and_the_staff_preview_are_the_checked_ones(emulator):
    verification = builders.customer()
    document, _ticket = _accepted_then_swapped(verification)
    documents = SubmissionDocuments(_submission(verification, document))
    content, content_type = documents.read("document_front", max_bytes=settings.DOCUMENT_MAX_BYTES)
    assert (content, content_type) == (_stored(document.checked_key), "image/jpeg")
    html = str(document_previews([document]))
    [preview] = {part.split('"')[0] for part in html.split('href="')[1:]}
    assert urlsplit(preview.replace("&amp;", "&")).path.endswith(document.checked_key)
    assert requests.get(preview.replace("&amp;", "&"), timeout=10).content == content


def test_no_upload_policy_can_name_the_checked_copy(emulator):
    """The policy is for its one key under uploads/: rewriting the key to the checked copy's
    is refused by the bucket, and the checked copy stays as it was."""
    verification = builders.customer()
    document, ticket = _accepted_then_swapped(verification)
    before = _stored(document.checked_key)
    fields = ticket.fields | {"key": document.checked_key}
    files = {"file": ("id.jpg", SWAP, "image/jpeg")}
    answer = requests.post(ticket.url, data=fields, files=files, timeout=30)
    assert (answer.status_code, "<Code>AccessDenied</Code>" in answer.text) == (403, True)
    assert _stored(document.checked_key) == before
    assert ticket.fields["key"].startswith(UPLOADS)


def test_the_policy_names_one_key_one_type_the_size_range_and_expires_in_minutes(emulator):
    import base64
    import json
    from datetime import UTC, datetime

    verification = builders.customer()
    ticket = document_presign(
        verification=verification, kind=Document.Kind.SELFIE, content_type="image/png"
    )
    policy = json.loads(base64.b64decode(ticket.fields["policy"]))
    assert {"key": ticket.document.key} in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert ["content-length-range", 1, settings.DOCUMENT_MAX_BYTES] in policy["conditions"]
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    left = expires - datetime.now(UTC)
    assert timedelta(0) < left <= timedelta(seconds=settings.DOCUMENT_UPLOAD_EXPIRY)
    assert settings.DOCUMENT_UPLOAD_EXPIRY <= 10 * 60


def test_a_document_accepted_before_checked_copies_is_checked_again_when_first_used(emulator):
    """Rows from before migration 0012 have no checked copy: the first use checks their file
    again, gives it one, and then only that copy is used."""
    verification = builders.customer()
    legacy = _legacy(verification, images.camera_jpeg())
    url = SubmissionDocuments(_submission(verification, legacy)).url("document_front")
    legacy.refresh_from_db()
    assert legacy.checked_key.startswith(CHECKED)
    assert urlsplit(url).path.endswith(legacy.checked_key)
    assert images.CAMERA_MODEL.encode() not in requests.get(url, timeout=10).content
    assert not _keys(legacy.key)  # the old, once browser-writable key is gone
    assert verification.audit_events.filter(action="document_rechecked").count() == 1


def test_a_legacy_document_swapped_before_the_fix_is_refused_when_checked_again(emulator):
    verification = builders.customer()
    legacy = _legacy(verification, SWAP)
    documents = SubmissionDocuments(_submission(verification, legacy))
    with pytest.raises(DocumentUnavailable, match="refused when checked again"):
        documents.url("document_front")
    legacy.refresh_from_db()
    assert (legacy.state, legacy.checked_key) == (Document.State.REJECTED, "")
    assert "extra data after its end" in legacy.rejection_reason


def _legacy(verification: Verification, content: bytes) -> Document:
    """An accepted row as the code before migration 0012 left it: the file at its upload key
    (under documents/), no checked copy."""
    key = f"documents/{verification.client_reference_id}/document_front/legacy"
    documents_storage().connection.meta.client.put_object(
        Bucket=documents_storage().bucket_name, Key=key, Body=content
    )
    return Document.objects.create(
        verification=verification,
        kind=Document.Kind.FRONT,
        key=key,
        state=Document.State.ACCEPTED,
        content_type="image/jpeg",
        size=len(content),
    )


def test_uploads_never_checked_are_deleted_after_the_orphan_age(emulator, settings):
    verification = builders.customer()
    kept = builders.document(verification, Document.Kind.SELFIE)  # checked: never an orphan
    never_checked = document_presign(
        verification=verification, kind=Document.Kind.FRONT, content_type="image/jpeg"
    )
    _post(never_checked, images.jpeg())
    _document, reused = _accepted_then_swapped(verification)  # the swap is an orphan too
    orphans = {never_checked.document.key, reused.document.key}
    assert orphans <= _keys(UPLOADS)
    assert document_delete_orphans(older_than=timedelta(hours=1)) == 0  # too young yet
    assert orphans <= _keys(UPLOADS)
    settings.DOCUMENT_ORPHAN_AFTER = 0
    assert delete_orphan_uploads() >= len(orphans)  # the beat task, as beat runs it
    assert not orphans & _keys(UPLOADS)
    assert _keys(kept.checked_key) == {kept.checked_key}


def test_the_orphan_sweep_is_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["kyc-delete-orphan-uploads"]
    assert entry["task"] == "kyc.tasks.delete_orphan_uploads"
    assert float(str(entry["schedule"])) <= settings.DOCUMENT_ORPHAN_AFTER
