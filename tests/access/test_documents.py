"""Identity documents are reachable only through presigned URLs, and those URLs expire.

What the S3 emulator (moto 5.2, over HTTP) enforces, checked on this machine: it refuses
an unsigned GET or HEAD of a private object (403), but it checks neither the signature
nor the expiry of a presigned GET (an expired or tampered URL still gets 200), nor the
bucket's public access block (an anonymous listing gets 200). So the first half is
asserted against moto, and expiry is asserted the way S3 evaluates a SigV4 query
signature: the signature is recomputed (SigV4, from its specification) for the URL's own
X-Amz-Date and X-Amz-Expires, which binds the expiry into what was signed; S3 refuses
the URL once X-Amz-Date + X-Amz-Expires has passed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests
from django.conf import settings

from kyc.models import Document
from kyc.services.documents import (
    SubmissionDocuments,
    document_check,
    document_presign,
    documents_storage,
)
from tests.access.conftest import Victim
from tests.support import builders, images
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_verdict(url: str, *, secret: str, now: datetime) -> str:
    """What S3 answers to a presigned GET URL: "valid", "expired" or "bad signature".

    The AWS Signature Version 4 query-string algorithm, written out here from its
    specification (SignedHeaders=host, UNSIGNED-PAYLOAD), independently of botocore.
    """
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = dict(pairs)
    day, region, service = query["X-Amz-Credential"].split("/")[1:4]
    assert query["X-Amz-SignedHeaders"] == "host"
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(pairs)
        if k != "X-Amz-Signature"
    )
    canonical = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = "\n".join(["AWS4-HMAC-SHA256", query["X-Amz-Date"], scope, digest])
    key = b"AWS4" + secret.encode()
    for step in (day, region, service, "aws4_request"):
        key = _hmac(key, step)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
        return "bad signature"
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    expires = int(query["X-Amz-Expires"])
    return "expired" if now > signed_at + timedelta(seconds=expires) else "valid"


def _unsigned(document: Document) -> str:
    key = document.checked_key
    return f"{settings.AWS_S3_ENDPOINT_URL}/{settings.AWS_STORAGE_BUCKET_NAME}/{key}"


def _uploaded_by_the_browser(victim: Victim) -> Document:
    """The JavaScript path: a presigned POST straight to the bucket, then the server's check."""
    ticket = document_presign(
        verification=victim.verification, kind=Document.Kind.SELFIE, content_type="image/jpeg"
    )
    files = {"file": ("selfie.jpg", images.jpeg(), "image/jpeg")}
    answer = requests.post(ticket.url, data=ticket.fields, files=files, timeout=10)
    assert answer.status_code in (200, 201, 204), answer.text
    document = document_check(document_id=ticket.document.pk)
    assert document.state == Document.State.ACCEPTED, document.rejection_reason
    return document


def test_an_unsigned_url_of_any_stored_document_is_refused(victim: Victim) -> None:
    posted_by_browser = _uploaded_by_the_browser(victim)
    stored_by_server = builders.document(victim.verification, Document.Kind.FRONT)
    client: Any = documents_storage().connection.meta.client
    for document in [*victim.documents, posted_by_browser, stored_by_server]:
        key = document.checked_key
        assert requests.get(_unsigned(document), timeout=10).status_code == 403, key
        assert requests.head(_unsigned(document), timeout=10).status_code == 403, key
        acl = client.get_object_acl(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)
        grantees = {grant["Grantee"].get("URI") for grant in acl["Grants"]}
        assert not grantees & {
            "http://acs.amazonaws.com/groups/global/AllUsers",
            "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
        }


def test_the_urls_sent_to_the_provider_are_presigned_and_expire(victim: Victim) -> None:
    documents = SubmissionDocuments(victim.submission)
    assert documents.kinds == {"document_front", "document_back", "selfie"}
    urls = {kind: documents.url(kind) for kind in documents.kinds}
    now = datetime.now(UTC)
    for url in urls.values():
        query = dict(parse_qsl(urlsplit(url).query))
        assert query["X-Amz-Expires"] == str(settings.DOCUMENT_URL_EXPIRY)
        assert sigv4_verdict(url, secret=settings.AWS_SECRET_ACCESS_KEY, now=now) == "valid"
        assert requests.get(url, timeout=10).status_code == 200
        later = now + timedelta(seconds=settings.DOCUMENT_URL_EXPIRY + 1)
        assert sigv4_verdict(url, secret=settings.AWS_SECRET_ACCESS_KEY, now=later) == "expired"


def test_a_url_with_a_one_second_expiry_is_refused_once_it_expired(victim: Victim) -> None:
    document = victim.documents[0]
    url = documents_storage().url(document.checked_key, expire=1)
    secret = settings.AWS_SECRET_ACCESS_KEY
    fetched = requests.get(url, timeout=10)
    assert (fetched.status_code, len(fetched.content)) == (200, document.size)
    wait_for(
        lambda: sigv4_verdict(url, secret=secret, now=datetime.now(UTC)),
        lambda verdict: verdict == "expired",
        limit=10,
    )
    assert sigv4_verdict(url, secret=secret, now=datetime.now(UTC)) == "expired"
    # Nobody can extend it or point it at another file: either edit breaks the signature.
    longer = url.replace("X-Amz-Expires=1&", "X-Amz-Expires=604800&")
    other = url.replace(document.checked_key, victim.documents[1].checked_key)
    assert longer != url
    assert other != url
    assert sigv4_verdict(longer, secret=secret, now=datetime.now(UTC)) == "bad signature"
    assert sigv4_verdict(other, secret=secret, now=datetime.now(UTC)) == "bad signature"
