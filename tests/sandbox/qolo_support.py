"""Helpers for the Qolo emulator tests: an API client that validates every answer against
Qolo's spec (tests/support/qolo_spec.py), person and document bodies, webhook checks.

The receiver is the DollarPe tests' TestServer (tests/sandbox/dollarpe_support.py): it
records every POST to `/hooks/<name>` and answers with scripted statuses (default 200).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
import requests
from jsonschema import ValidationError

from tests.sandbox import rebilly_support
from tests.sandbox.dollarpe_support import Received, TestServer, unique, wait_for
from tests.support import images, qolo_spec

SDD_PROGRAM = "5d1e9b7a-3c2f-4a6e-9b8d-1f2e3d4c5b6a"
SECRET = "qolo-test-secret"
# HMAC-SHA256 test vectors: the textbook one, and a webhook-like body with our secret.
TEXTBOOK_VECTOR = (
    b"key",
    b"The quick brown fox jumps over the lazy dog",
    "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
)
WEBHOOK_VECTOR = (
    SECRET.encode(),
    b'{"event_type":"person.created","person_guid":"0b5f6a4e-2f1c-4d3a-9e8b-7c6d5e4f3a2b"}',
    "27cd0daafc0e8e45037efc58ea916a8d910569d04e9d1cf06d1edcc89dc9c764",
)


class Reply(rebilly_support.Reply):
    """An API answer, already validated against the spec; its problem a ProblemDetails."""

    @property
    def problem(self) -> dict[str, Any]:
        body = super().problem
        assert set(body) >= {"type", "title", "status", "detail", "instance"}, body
        return body

    @property
    def errors(self) -> dict[str, list[str]]:
        """The `errors` map of a validation 400."""
        assert self.status == 400, self.body
        problem = self.problem
        assert problem["title"] == "One or more validation errors occurred.", problem
        return dict(problem["errors"])


class QoloApi:
    """Calls `/api/v1/...` with a Bearer token from `/auth/login` (fetched once, kept).

    Every answer is validated with qolo_spec (status documented, body per the spec, the live
    fields merged); every body sent is validated too unless the test means to send a bad one
    (`valid=False`). `undocumented=True` says the status is one the spec does not list (the
    emulator's reading) and checks the body is still a ProblemDetails.
    """

    def __init__(self, base_url: str, login_id: str, api_key: str) -> None:
        self.base_url = base_url
        self.login_id = login_id
        self.api_key = api_key
        self.session = requests.Session()
        self._token: str | None = None

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v1"

    def login(self, body: Any = None, **kw: Any) -> Reply:
        body = {"login_id": self.login_id, "api_key": self.api_key} if body is None else body
        return self.call("POST", "/auth/login", body, token="", **kw)

    @property
    def token(self) -> str:
        if self._token is None:
            reply = self.login()
            assert reply.status == 200, reply.body
            self._token = str(reply.body["token"])
        return self._token

    def forget_token(self) -> None:
        self._token = None

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        idempotency_key: str | None = None,
        version: str = "v1",
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        params: dict[str, Any] | None = None,
        valid: bool = True,
        undocumented: bool = False,
        timeout: float = 10,
    ) -> Reply:
        url = f"{self.base_url}/api/{version}{path}"
        if valid and data is None:
            qolo_spec.validate_request(method, url, body)
        sent = dict(headers or {})
        bearer = self.token if token is None else token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        if idempotency_key:
            sent["IdempotencyKey"] = idempotency_key
        if body is not None and data is None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        response = self.session.request(
            method, url, data=data, headers=sent, params=params, timeout=timeout
        )
        parsed = response.json() if response.content else None
        if response.content:
            assert response.headers["Content-Type"].startswith("application/json"), response
        if undocumented:
            # The login has no spec path at all: nothing to be undocumented in.
            if qolo_spec.unspecified(method, url) is None:
                with pytest.raises(ValidationError, match="is not documented"):
                    qolo_spec.validate_response(method, url, response.status_code, parsed)
            qolo_spec.schema("ProblemDetails").validate(parsed)
        else:
            qolo_spec.validate_response(method, url, response.status_code, parsed)
        return Reply(response.status_code, parsed, response.headers)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, **kw: Any) -> Any:
        reply = self.call(method, path, body, **kw)
        assert reply.status == status, (reply.status, reply.body)
        return reply.body

    # --- what most tests need --------------------------------------------------------------

    def create(self, program_guid: str, **details: Any) -> dict[str, Any]:
        """A new person (201); the `person_details` of the answer."""
        body = {"program_guid": program_guid, "person_details": person(**details)}
        return dict(self.ok("POST", "/persons", body, status=201)["person_details"])

    def kyc(self, person_guid: str) -> dict[str, Any]:
        return dict(self.ok("GET", f"/persons/{person_guid}/kyc"))

    def perform(self, person_guid: str, body: dict[str, Any], **kw: Any) -> Reply:
        return self.call("POST", f"/persons/{person_guid}/kyc", body, **kw)

    def status(self, person_guid: str) -> str:
        return str(self.ok("GET", f"/persons/{person_guid}")["person_status"])


def person(**overrides: Any) -> dict[str, Any]:
    """A PersonDTO for a new person; `govt_id_number` is the shortcut for one COUNTRYID."""
    n = unique()
    number = overrides.pop("govt_id_number", f"{n:05d}6789")
    body: dict[str, Any] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "birth_date": "1990-12-10",
        "email": f"ada{n}@example.com",
        "mobile_number": "+15555550100",
        "client_reference_id": f"sub-{n}",
        "base_address": {
            "address_line1": "12 Main Street",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62701",
            "country": "USA",
        },
        "identifications": [{"govt_id_type": "COUNTRYID", "govt_id_number": number}],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def document(file_type: str = "PNG", data: bytes | None = None, **extra: Any) -> dict[str, Any]:
    """A Document with a real image as its front (PNG by default)."""
    content = (
        data
        if data is not None
        else (images.jpeg() if file_type in ("JPEG", "JPG") else images.png())
    )
    body = {"document_type": "PASSPORT", "file_type": file_type, "front": b64(content)}
    body.update(extra)
    return body


def client_verification(**overrides: Any) -> dict[str, Any]:
    body = {
        "verification_datetime": "2025-01-15T10:30:00Z",
        "verification_provider": "Acme KYC",
        "verification_provider_refnumber": "ACME-42",
        "verification_level": "CDD",
    }
    body.update(overrides)
    return body


def entries(result: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(method, result, reason) of every history entry, oldest first."""
    return [
        (e["verification_method"], e["verification_results"], e["reason_code"])
        for e in result["verificationResults"]
    ]


# --- webhooks -------------------------------------------------------------------------------


def signature(secret: str, raw: bytes) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def subscribe(
    api: QoloApi,
    server: TestServer,
    program_guid: str,
    hook: str = "qolo",
    *,
    events: list[str] | None = None,
    secret: str | None = SECRET,
    **extra: Any,
) -> dict[str, Any]:
    """A subscription of the program's events to the receiver's `/hooks/<hook>` (it is
    pinged once, and the ping answered 200 unless the test scripted otherwise)."""
    body: dict[str, Any] = {
        "program_guid": program_guid,
        "url": server.url(f"/hooks/{hook}"),
        "event_type": events or ["all"],
        "secret": secret,
    }
    body.update(extra)
    return dict(api.ok("POST", "/webhooks", body, status=201))


def verified(received: Received, secret: str = SECRET) -> dict[str, Any]:
    """A delivery's body, after checking its signature over the raw bytes."""
    assert received.headers["Content-Type"] == "application/json"
    assert hmac.compare_digest(
        received.headers["x-qolo-signature"], signature(secret, received.body)
    )
    return dict(received.json)


def events(server: TestServer, count: int, hook: str = "qolo", timeout: float = 10) -> list[Any]:
    """Wait for exactly `count` non-ping deliveries to `hook`; their verified bodies."""

    def arrived() -> list[Received]:
        return [r for r in server.received(hook) if r.json.get("event_type") != "ping"]

    wait_for(lambda: len(arrived()) >= count, timeout)
    found = arrived()
    assert len(found) == count, [r.json for r in found]
    return [verified(item) for item in found]
