"""The Qolo adapter against the Qolo emulator, over real HTTP, checked against the spec.

Every request our adapter puts on the wire and every answer it reads is validated against
Qolo's staging OpenAPI excerpt plus the fields only its live PerformKYC page documents
(read from ../shared, a test fixture, never part of the product): request bodies with
additionalProperties false, enums, lengths, required fields. The login has no path in
that spec (its contract is undocumented), so it is only checked for its keys.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from kyc.models import Verification
from kyc.providers import base
from kyc.providers.interface import Attestation
from kyc.providers.qolo.adapter import QoloProvider
from tests.qolo.conftest import CHALLENGED_SSN, submitted
from tests.support import qolo_spec

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/login"


class Wire:
    def __init__(self) -> None:
        self.exchanges: list[tuple[str, str, Any, int, Any]] = []

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        body = json.loads(request.body) if request.body else None
        answer = response.json() if response.content else None
        self.exchanges.append(
            (request.method or "", request.url or "", body, response.status_code, answer)
        )

    def check(self) -> set[str]:
        seen = set()
        for method, url, body, status, answer in self.exchanges:
            path = urlsplit(url).path
            if path == LOGIN:
                assert set(body) in ({"login_id", "api_key"}, {"loginid", "apikey"})
                seen.add(f"{method} {LOGIN}")
                continue
            template, _operation = qolo_spec.operation(method, path)
            seen.add(f"{method} {template}")
            if body is not None:
                qolo_spec.validate_request(method, path, body)
            qolo_spec.validate_response(method, path, status, answer)
        return seen


def test_every_call_we_make_matches_the_spec(qolo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    wire = Wire()
    original = requests.Session.__init__

    def wired(self: requests.Session, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.hooks["response"].append(wire.hook)

    # Every session the adapters open (the submission task's included) records its calls:
    # this thread's shared one is made anew, after the patch.
    monkeypatch.setattr(requests.Session, "__init__", wired)
    monkeypatch.setattr(base, "_local", threading.local())
    verification: Verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    provider = QoloProvider()
    right = qolo.answers(verification.provider_customer_id)
    provider.answer_challenge(verification, {key: "not it" for key in right})
    attestation = Attestation(
        verified_at=verification.created_at, level="CDD", verifier="Acme", reference="R-1"
    )
    provider.client_override(verification, attestation)
    provider.find_customer(verification.client_reference_id)
    provider.register_webhook("http://127.0.0.1:9/webhooks/qolo/")
    provider.register_webhook("http://127.0.0.1:9/webhooks/qolo/")  # then updated

    seen = wire.check()
    assert seen >= {
        f"POST {LOGIN}",
        "POST /api/{version}/persons",
        "GET /api/{version}/persons/{person_guid}",
        "POST /api/{version}/persons/search",
        "GET /api/{version}/persons/{person_guid}/kyc",
        "POST /api/{version}/persons/{person_guid}/kyc",
        "GET /api/{version}/webhooks",
        "POST /api/{version}/webhooks",
        "PUT /api/{version}/webhooks/{notification_guid}",
    }, seen
    sent = [body for method, url, body, *_ in wire.exchanges if url.endswith("/kyc") and body]
    assert any("document" in body for body in sent)
    assert any("answers" in body for body in sent)
    assert any("client_verification" in body for body in sent)
