"""Reading Rebilly: its webhook credential, its deliveries, and its words for the applicant.

Pure functions of the adapter (no HTTP): the rest of tests/rebilly drives the emulator.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kyc.models import FailureReason, ProviderDocument, Status
from kyc.providers.errors import InvalidWebhookError
from kyc.providers.rebilly.adapter import gatherer_allowed, outcome_of
from kyc.providers.rebilly.types import KycDocument, KycRequest
from kyc.providers.rebilly.webhooks import check_basic, delivery

USER, PASSWORD = "tests-webhooks", "tests-webhook-password"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic !!!not-base64"},
        basic(USER, "wrong"),
        basic("someone", PASSWORD),
        basic(USER, PASSWORD + "x"),
    ],
    ids=["missing", "empty", "bearer", "garbage", "password", "user", "longer"],
)
def test_anything_but_our_basic_credential_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidWebhookError) as refused:
        check_basic(headers, username=USER, password=PASSWORD)
    assert refused.value.http_status == 401


def test_our_basic_credential_is_taken_whatever_the_scheme_case() -> None:
    token = basic(USER, PASSWORD)["Authorization"].split()[1]
    check_basic({"Authorization": f"basic {token}"}, username=USER, password=PASSWORD)


def document_hook(event: str, revision: int | None, **document: Any) -> bytes:
    embedded = {"id": "kyc_doc_1", "revision": revision, **document}
    return json.dumps(
        {
            "customerId": "kyc_abc",
            "kycDocumentId": "kyc_doc_1",
            "eventType": event,
            "_embedded": {"kycDocument": embedded},
        }
    ).encode()


def test_dedupe_keys_tell_events_and_revisions_apart_and_collapse_redeliveries() -> None:
    first = delivery(document_hook("kyc-document-created", 0))
    again = delivery(document_hook("kyc-document-created", 0))
    later = delivery(document_hook("kyc-document-accepted", 1))
    assert first.dedupe_key == again.dedupe_key == "kyc-document-created:kyc_doc_1:0"
    assert later.dedupe_key == "kyc-document-accepted:kyc_doc_1:1"
    event = first.first
    assert (event.subject, event.entity_id, event.outcome) == ("verification", "kyc_abc", None)


def test_a_delivery_without_revision_is_told_apart_by_its_body() -> None:
    one = delivery(document_hook("kyc-document-modified", None, notes="a"))
    other = delivery(document_hook("kyc-document-modified", None, notes="b"))
    assert one.dedupe_key != other.dedupe_key


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1]", b'{"customerId": "x"}', b'{"eventType": "kyc-request-failed"}'],
    ids=["text", "array", "no-event", "no-customer"],
)
def test_an_unreadable_delivery_is_refused_as_malformed(body: bytes) -> None:
    with pytest.raises(InvalidWebhookError) as refused:
        delivery(body)
    assert refused.value.http_status == 400


def test_events_we_do_not_use_are_kept_and_ignored() -> None:
    body = json.dumps({"eventType": "customer-updated", "customerId": "kyc_abc"}).encode()
    assert delivery(body).first.subject == "ignored"


def request(status: str, **more: Any) -> KycRequest:
    return KycRequest.model_validate(
        {
            "id": "kyc_req_1",
            "customerId": "kyc_abc",
            "status": status,
            "revision": 4,
            "documents": [
                {"type": "identity-proof", "maxAttempts": 3},
                {"type": "address-proof", "maxAttempts": 0},
            ],
            "_links": [{"rel": "kycGatherer", "href": "https://gatherer.example/?token=t"}],
            **more,
        }
    )


def document(status: str, kind: str = "identity-proof", **more: Any) -> KycDocument:
    return KycDocument.model_validate(
        {"id": f"kyc_doc_{status}", "documentType": kind, "status": status, **more}
    )


def test_the_legacy_gatherer_rel_is_read_too() -> None:
    outcome = outcome_of(request("gathering"), [])
    assert outcome.status == Status.ACTION_REQUIRED
    assert outcome.action is not None
    assert (outcome.action.kind, outcome.action.url) == (
        "hosted",
        "https://gatherer.example/?token=t",
    )
    assert (outcome.provider_case_id, outcome.revision) == ("kyc_req_1", 4)


def test_a_refused_passport_says_why_in_plain_words_with_the_attempts_left() -> None:
    refused = document(
        "rejected",
        documentSubtype="passport",
        rejectionReason={"type": "document-expired", "message": "Document is expired"},
    )
    outcome = outcome_of(request("attempted"), [refused])
    assert outcome.status == Status.ACTION_REQUIRED
    assert outcome.action is not None
    assert outcome.action.kind == "reupload"
    (snapshot,) = outcome.documents
    assert snapshot.status == ProviderDocument.State.REJECTED
    assert snapshot.reason == FailureReason.IDENTITY_DOCUMENT
    assert snapshot.user_text.startswith("Your passport was refused: it has expired.")
    assert (snapshot.attempts_left, snapshot.reason_text) == (2, "Document is expired")


def test_a_document_being_reviewed_makes_the_request_processing() -> None:
    outcome = outcome_of(
        request("partial"), [document("accepted"), document("in-progress", "address-proof")]
    )
    assert outcome.status == Status.PROCESSING
    assert {d.attempts_left for d in outcome.documents} == {3, None}  # 0: no limit


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("failed", FailureReason.ATTEMPTS_EXHAUSTED),
        ("expired", FailureReason.REQUEST_EXPIRED),
        ("abandoned", FailureReason.REQUEST_EXPIRED),
    ],
)
def test_permanent_failures(status: str, reason: str) -> None:
    outcome = outcome_of(request(status), [])
    assert (outcome.status, outcome.reason) == (Status.FAILED, reason)


def test_an_underage_refusal_goes_to_the_team() -> None:
    refused = document("rejected", rejectionReason={"type": "underage-person"})
    outcome = outcome_of(request("failed"), [refused])
    assert (outcome.reason, outcome.provider_reason) == (FailureReason.UNDERAGE, "underage-person")


def test_a_request_clearly_past_its_expiry_is_taken_as_expired_before_rebilly_says_so() -> None:
    outcome = outcome_of(request("gathering", expirationTime="2020-01-01T00:00:00Z"), [])
    assert (outcome.status, outcome.reason) == (Status.FAILED, FailureReason.REQUEST_EXPIRED)
    assert outcome.provider_status == "gathering"


def test_an_unknown_status_is_taken_as_being_checked() -> None:
    assert outcome_of(request("pondering"), []).status == Status.PROCESSING


def test_a_refusal_a_new_upload_cannot_change_goes_to_the_team_with_attempts_left() -> None:
    refused = document("rejected", rejectionReason={"type": "underage-person"})
    outcome = outcome_of(request("attempted"), [refused])  # Rebilly would allow 2 more
    assert (outcome.status, outcome.reason) == (Status.FAILED, FailureReason.UNDERAGE)
    tampered = document("rejected", rejectionReason={"type": "tampered-document"})
    assert outcome_of(request("attempted"), [tampered]).status == Status.FAILED


def test_a_partial_request_with_nothing_refused_asks_to_continue_not_to_reupload() -> None:
    outcome = outcome_of(request("partial"), [document("accepted")])
    assert outcome.status == Status.ACTION_REQUIRED
    assert outcome.action is not None
    assert outcome.action.kind == "hosted"


def test_an_older_refusal_of_a_type_sent_again_asks_nothing() -> None:
    older = document(
        "rejected", rejectionReason={"type": "document-expired"}, createdTime="2026-01-01T00:00:00Z"
    )
    newer = KycDocument.model_validate(
        {
            "id": "kyc_doc_new",
            "documentType": "identity-proof",
            "status": "accepted",
            "createdTime": "2026-01-02T00:00:00Z",
        }
    )
    outcome = outcome_of(request("partial"), [older, newer])
    assert outcome.action is not None
    assert outcome.action.kind == "hosted"  # the address proof is still to send


def test_no_local_expiry_while_a_document_waits_for_a_reviewer() -> None:
    waiting = document("pending")
    outcome = outcome_of(
        request("pending-review", expirationTime="2020-01-01T00:00:00Z"), [waiting]
    )
    assert outcome.status == Status.PROCESSING


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://verification.comply.services/?token=t", True),
        ("http://verification.comply.services/?token=t", True),  # the sandbox allows http
        ("https://evil.example/?token=t", False),
        ("javascript:alert(1)", False),
    ],
)
def test_the_applicant_is_sent_only_to_the_gatherer_hosts(url: str, allowed: bool) -> None:
    assert gatherer_allowed(url) is allowed


def test_outside_the_sandbox_only_https_is_followed(settings: Any) -> None:
    settings.REBILLY_SANDBOX = False
    assert not gatherer_allowed("http://verification.comply.services/?token=t")
    assert gatherer_allowed("https://verification.comply.services/?token=t")
    emulator = settings.REBILLY_BASE_URL + "/gatherer?token=t"
    assert not gatherer_allowed(emulator.replace("http://", "https://"))


def test_credentials_in_call_records_are_masked_whole() -> None:
    from kyc.providers.redaction import redact_by_name

    body = {"host": "h", "auth": {"type": "basic", "username": "u", "password": "p" * 30}}
    assert redact_by_name(body)["auth"]["password"] == "•••"
    assert redact_by_name({"api_key": "sk_live_abcdef123456"}) == {"api_key": "•••"}
