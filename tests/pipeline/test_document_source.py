"""The documents of a submission, as each provider takes them: a short-lived URL, or the
bytes read back from the private bucket, never more than the provider's limit."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from kyc.models import Document, Submission
from kyc.providers.interface import DocumentUnavailable
from kyc.services.documents import SubmissionDocuments
from tests.support import builders, images

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission() -> Submission:
    verification = builders.saved_profile()
    front = builders.document(verification, Document.Kind.FRONT, images.png())
    selfie = builders.document(verification, Document.Kind.SELFIE, images.jpeg())
    return Submission(
        verification=verification,
        kind=Submission.Kind.INITIAL,
        data={"documents": {"document_front": front.pk, "selfie": selfie.pk}},
    )


def test_the_bytes_come_back_whole_with_their_type(submission):
    documents = SubmissionDocuments(submission)
    assert documents.kinds == {"document_front", "selfie"}
    assert documents.read("document_front", max_bytes=1024 * 1024) == (images.png(), "image/png")
    content, kind = documents.read("selfie", max_bytes=1024 * 1024)
    assert (content[:3], kind) == (b"\xff\xd8\xff", "image/jpeg")


def test_a_file_over_the_providers_limit_is_refused_not_cut(submission):
    size = len(images.png())
    documents = SubmissionDocuments(submission)
    with pytest.raises(DocumentUnavailable, match=f"larger than {size - 1} B"):
        documents.read("document_front", max_bytes=size - 1)
    assert documents.read("document_front", max_bytes=size)[0] == images.png()


def test_a_short_lived_url_fetches_the_same_file(submission, settings):
    url = SubmissionDocuments(submission).url("document_front", expiry=120)
    assert dict(parse_qsl(urlsplit(url).query))["X-Amz-Expires"] == "120"
    assert requests.get(url, timeout=10).content == images.png()


def test_a_kind_the_submission_lacks_or_a_refused_file_is_unavailable(submission):
    other = builders.saved_profile()
    strangers = builders.document(other, Document.Kind.BACK, images.jpeg())
    submission.data["documents"]["document_back"] = strangers.pk  # not this applicant's
    documents = SubmissionDocuments(submission)
    assert "document_back" not in documents.kinds
    with pytest.raises(DocumentUnavailable, match="Document, back: no accepted file"):
        documents.url("document_back")
