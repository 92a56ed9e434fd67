"""The local S3 server checks a browser's POST upload as S3 does (sandbox/s3_policy.py), so an
upload-policy mistake of ours fails in the tests instead of in production.

Each refusal is S3's XML error, over HTTP from the server the whole suite uses, and stores
nothing; the policies the app signs pass.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.auth
import pytest
import requests
from botocore.config import Config
from django.conf import settings

from kyc.models import Document
from kyc.services.documents import document_presign, documents_storage
from tests.support import builders, images

pytestmark = pytest.mark.django_db


def _presigned(
    key: str = "uploads/policy-test/file",
    *,
    secret: str | None = None,
    expires: int = 300,
    access_key: str | None = None,
) -> dict[str, Any]:
    """A POST policy as the app writes one (kyc.services.documents.document_presign), signed
    with the given credentials."""
    client: Any = boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=settings.AWS_S3_REGION_NAME,
        aws_access_key_id=access_key or settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=secret or settings.AWS_SECRET_ACCESS_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    post: dict[str, Any] = client.generate_presigned_post(
        settings.AWS_STORAGE_BUCKET_NAME,
        key,
        Fields={"Content-Type": "image/jpeg"},
        Conditions=[["content-length-range", 1, 1024], {"Content-Type": "image/jpeg"}],
        ExpiresIn=expires,
    )
    return post


def _send(
    post: dict[str, Any],
    content: bytes = b"\xff\xd8\xff" + bytes(100),
    changed: dict[str, str] | None = None,
) -> requests.Response:
    fields = post["fields"] | (changed or {})
    files = {"file": ("photo.jpg", content, fields.get("Content-Type", "image/jpeg"))}
    return requests.post(post["url"], data=fields, files=files, timeout=30)


def _stored(key: str) -> bool:
    return bool(documents_storage().exists(key))


def _refused(answer: requests.Response, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/xml"
    assert f"<Code>{code}</Code>" in answer.text
    return answer.text


def test_a_correct_policy_is_accepted_and_stores_the_file():
    post = _presigned("uploads/policy-test/good")
    assert _send(post).status_code == 204
    assert _stored("uploads/policy-test/good")


def test_another_key_than_the_policys_is_refused():
    post = _presigned("uploads/policy-test/mine")
    text = _refused(_send(post, changed={"key": "checked/someone-else"}), 403, "AccessDenied")
    assert "Policy Condition failed" in text
    assert "$key" in text
    assert not _stored("checked/someone-else")


def test_a_file_over_the_content_length_range_is_refused():
    post = _presigned("uploads/policy-test/big")
    _refused(_send(post, content=bytes(1025)), 400, "EntityTooLarge")
    _refused(_send(post, content=b""), 400, "EntityTooSmall")
    assert not _stored("uploads/policy-test/big")


def test_another_content_type_than_the_policys_is_refused():
    post = _presigned("uploads/policy-test/type")
    text = _refused(_send(post, changed={"Content-Type": "text/html"}), 403, "AccessDenied")
    assert "Content-Type" in text
    assert not _stored("uploads/policy-test/type")


def test_a_field_the_policy_does_not_name_is_refused():
    post = _presigned("uploads/policy-test/extra")
    answer = _send(post, changed={"x-amz-meta-owner": "me", "x-ignore-this": "fine"})
    assert "Extra input fields: x-amz-meta-owner" in _refused(answer, 403, "AccessDenied")
    assert not _stored("uploads/policy-test/extra")


def test_an_expired_policy_is_refused():
    post = _presigned("uploads/policy-test/late", expires=-1)
    assert "Policy expired" in _refused(_send(post), 403, "AccessDenied")
    assert not _stored("uploads/policy-test/late")


def test_a_policy_signed_with_another_secret_or_edited_is_refused():
    forged = _presigned("uploads/policy-test/forged", secret="not-the-secret")
    _refused(_send(forged), 403, "SignatureDoesNotMatch")
    genuine = _presigned("uploads/policy-test/forged")
    other = _presigned("uploads/policy-test/other", expires=3600)
    # A longer-lived policy for another key, under the genuine signature: the signature covers
    # the policy, so it no longer matches.
    _refused(
        _send(genuine, changed={"policy": other["fields"]["policy"]}), 403, "SignatureDoesNotMatch"
    )
    _refused(_send(_presigned(access_key="nobody")), 403, "InvalidAccessKeyId")
    assert not _stored("uploads/policy-test/forged")


def test_the_apps_own_presigned_posts_pass_with_the_type_they_name():
    verification = builders.saved_profile()
    for content_type, content in (("image/png", images.png()), ("application/pdf", images.PDF)):
        ticket = document_presign(
            verification=verification, kind=Document.Kind.FRONT, content_type=content_type
        )
        files = {"file": ("file", content, content_type)}
        answer = requests.post(ticket.url, data=ticket.fields, files=files, timeout=30)
        assert answer.status_code == 204, answer.text
        assert _stored(ticket.document.key)
        mismatched = {"file": ("file", content, "text/html")}
        fields = ticket.fields | {"Content-Type": "text/html"}
        answer = requests.post(ticket.url, data=fields, files=mismatched, timeout=30)
        _refused(answer, 403, "AccessDenied")


# --- presigned GETs --------------------------------------------------------------------------
def _object(key: str = "checked/policy-test/read", content: bytes = b"the checked bytes") -> str:
    documents_storage().connection.meta.client.put_object(
        Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key, Body=content
    )
    return key


def test_the_apps_presigned_get_reads_the_object():
    key = _object()
    answer = requests.get(documents_storage().url(key, expire=60), timeout=30)
    assert (answer.status_code, answer.content) == (200, b"the checked bytes")
    assert requests.head(documents_storage().url(key, expire=60), timeout=30).status_code == 403
    # HEAD is a request of its own: a URL signed for GET does not open it (S3 signs the method).


def test_an_object_read_without_a_signature_is_refused_as_the_bucket_is_private():
    key = _object()
    url = f"{settings.AWS_S3_ENDPOINT_URL}/{settings.AWS_STORAGE_BUCKET_NAME}/{key}"
    _refused(requests.get(url, timeout=30), 403, "AccessDenied")


def test_a_presigned_get_edited_or_signed_with_another_secret_is_refused():
    key = _object()
    other = _object("checked/policy-test/other", b"someone else's document")
    url = documents_storage().url(key, expire=60)
    _refused(requests.get(url.replace(key, other), timeout=30), 403, "SignatureDoesNotMatch")
    longer = url.replace("X-Amz-Expires=60", "X-Amz-Expires=600")
    _refused(requests.get(longer, timeout=30), 403, "SignatureDoesNotMatch")
    client: Any = boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=settings.AWS_S3_REGION_NAME,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key="not-the-secret",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    forged = client.generate_presigned_url(
        "get_object", Params={"Bucket": settings.AWS_STORAGE_BUCKET_NAME, "Key": key}
    )
    _refused(requests.get(forged, timeout=30), 403, "SignatureDoesNotMatch")


def test_an_expired_presigned_get_is_refused(monkeypatch):
    key = _object()
    # botocore's clock, an hour back: the URL was signed then, for 60 s.
    signed_at = datetime.now(UTC) - timedelta(hours=1)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: signed_at)
    url = documents_storage().url(key, expire=60)
    monkeypatch.undo()
    assert "Request has expired" in _refused(requests.get(url, timeout=30), 403, "AccessDenied")
