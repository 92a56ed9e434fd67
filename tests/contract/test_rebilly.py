"""The Rebilly client against the Rebilly emulator, over real HTTP, checked against the spec.

Every request our adapter puts on the wire, and every answer it reads, is validated
against Rebilly's published OpenAPI (api-definitions at the pinned commit, read from
../shared: a test fixture, never part of the product): paths, methods, request bodies,
enums, required fields, camelCase names.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from kyc.models import Verification
from kyc.providers.rebilly.adapter import RebillyProvider
from tests.rebilly.conftest import RETURN_URL, applicant, decided
from tests.support import rebilly_spec

pytestmark = pytest.mark.django_db
CAMEL = re.compile(r"^(_links|_embedded|[a-z][a-zA-Z0-9]*)$")


class Wire:
    """Each exchange as it went on the wire: (method, url, request body, status, answer)."""

    def __init__(self) -> None:
        self.exchanges: list[tuple[str, str, Any, int, Any]] = []

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        raw = request.body
        body = json.loads(raw) if raw else None
        answer = response.json() if response.content else None
        self.exchanges.append(
            (request.method or "", request.url or "", body, response.status_code, answer)
        )

    def check(self) -> set[str]:
        """Validate every exchange; the (method, path template) pairs seen."""
        seen = set()
        for method, url, body, status, answer in self.exchanges:
            path = urlsplit(url).path
            template, _operation = rebilly_spec.operation(method, path)
            seen.add(f"{method} {template}")
            if body is not None:
                rebilly_spec.validate_request(method, path, body)
                assert_camel_case(body)
            rebilly_spec.validate_response(method, path, status, answer)
        return seen


def assert_camel_case(value: Any, where: str = "body") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert CAMEL.match(key), f"{where}.{key} is not camelCase"
            assert_camel_case(item, f"{where}.{key}")
    elif isinstance(value, list):
        for item in value:
            assert_camel_case(item, where)


@pytest.fixture
def wired(rebilly: Any) -> tuple[RebillyProvider, Wire]:
    provider = RebillyProvider()
    wire = Wire()
    # A session of its own: the thread's shared one would keep the hook after the test.
    provider.client.session = requests.Session()
    provider.client.session.hooks["response"].append(wire.hook)
    return provider, wire


def test_every_call_of_the_journey_matches_the_spec(rebilly: Any, wired: Any) -> None:
    provider, wire = wired
    verification: Verification = applicant()
    provider.create_customer(verification)  # the upsert again: 200 this time
    assert (
        provider.find_customer(verification.client_reference_id)
        == verification.provider_customer_id
    )
    started = provider.start_hosted(verification, return_url=RETURN_URL)
    assert started.action is not None
    assert started.action.url
    Verification.objects.filter(pk=verification.pk).update(
        provider_case_id=started.provider_case_id
    )
    verification.refresh_from_db()
    rebilly.gatherer_submit(
        started.action.url, {"identity-proof": "review", "address-proof": "review"}
    )
    decided(rebilly, verification.provider_case_id)
    pending = provider.current(verification)
    first, second = pending.documents
    provider.review_document(
        verification, first.provider_document_id, accept=True, reason="", message=""
    )
    provider.review_document(
        verification,
        second.provider_document_id,
        accept=False,
        reason="document-unreadable",
        message="The photo is blurred",
    )
    provider.current(verification)
    provider.register_webhook("http://127.0.0.1:9/webhooks/rebilly/")
    provider.register_webhook("http://127.0.0.1:9/webhooks/rebilly/")  # 303, then an update

    seen = wire.check()
    assert seen >= {
        "PUT /customers/{id}",
        "GET /customers/{id}",
        "GET /kyc-requests",
        "POST /kyc-requests",
        "GET /kyc-requests/{id}",
        "POST /kyc-documents/{id}/acceptance",
        "POST /kyc-documents/{id}/rejection",
        "POST /service-credentials/{type}",
        "GET /webhooks",
        "POST /webhooks",
        "PUT /webhooks/{id}",
    }, seen
    statuses = [status for *_rest, status, _answer in wire.exchanges]
    assert 303 in statuses  # the identical credential, returned as it is


def test_the_kyc_request_we_send_is_what_the_program_needs(
    rebilly: Any, wired: Any, settings
) -> None:
    settings.REBILLY_CREDIT_FILE = True
    settings.REBILLY_MAX_ATTEMPTS = 5
    provider, wire = wired
    verification = applicant()
    provider.start_hosted(verification, return_url=RETURN_URL)
    (body,) = [
        b
        for method, url, b, *_ in wire.exchanges
        if method == "POST" and url.endswith("/kyc-requests")
    ]
    assert body["customerId"] == verification.client_reference_id
    assert body["redirectUrl"] == RETURN_URL
    assert [d["type"] for d in body["documents"]] == [
        "credit-file-proof",
        "identity-proof",
        "address-proof",
    ]
    assert body["documents"][1] == {
        "type": "identity-proof",
        "maxAttempts": 5,
        "faceProofRequired": True,
    }
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["expirationTime"])
    wire.check()


def test_errors_are_problems_the_client_reads(rebilly: Any, wired: Any) -> None:
    provider, wire = wired
    verification = applicant()
    rebilly.config(rate_limit=0)
    from kyc.providers.errors import RateLimitedError

    with pytest.raises(RateLimitedError) as limited:
        provider.start_hosted(verification, return_url=RETURN_URL)
    assert limited.value.retry_after is not None
    assert limited.value.retry_after >= 0
    wire.check()
