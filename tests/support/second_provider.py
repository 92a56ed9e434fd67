"""A second provider for the tests of the provider-neutral core.

It declares what DollarPe does not (webhooks authenticated by HTTP Basic credentials, a
customer created by the first submission, documents taken as bytes, two photos instead
of three, given and family names apart, no banking, no reset, no correction limit of
ours, a status only polling reveals) so that tests can show the core, the journey and
the admin follow a provider's capabilities rather than DollarPe's shape. It stands for
the adapters to come (Qolo, Rebilly) and is registered only by tests, through
KYC_PROVIDER_BACKENDS; what it is sent it keeps in memory for the tests to read.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from kyc.models import Document, FixKind, Status, Submission, Verification
from kyc.providers.base import CallObserver
from kyc.providers.errors import (
    InvalidWebhookError,
    PermanentProviderError,
    TransientProviderError,
)
from kyc.providers.interface import (
    PROFILE_SPLIT_NAME,
    Capabilities,
    CorrectionPart,
    Delivery,
    DocumentSource,
    FormSpec,
    Outcome,
    ProviderEvent,
    Words,
)

NAME = "acme"
BACKEND = "tests.support.second_provider.SecondProvider"
USERNAME, PASSWORD = "acme-hooks", "s3cret-basic-password"
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
SENT: list[dict[str, Any]] = []  # what submit() was given, newest last
# While set (by unreachable() only), current() cannot reach the provider.
UNREACHABLE: list[bool] = []


@contextmanager
def unreachable() -> Iterator[None]:
    """current() raises a TransientProviderError inside the block, and only there: the flag
    goes down however the block ends, so a failing test never leaves it up for the next."""
    UNREACHABLE.append(True)
    try:
        yield
    finally:
        UNREACHABLE.clear()


class Unauthorized(InvalidWebhookError):
    http_status = 401


class Unreadable(InvalidWebhookError):
    http_status = 400


class SecondProvider:
    name = NAME
    label = "Acme KYC"
    webhook_secret_headers: frozenset[str] = frozenset()
    webhook_credential_headers = frozenset({"x-acme-shared-secret"})
    tax_id = None
    words = Words(decision_time="Acme decides within the hour.")
    capabilities = Capabilities(
        collection="in_app",
        customer_create="with_kyc",
        document_transport="inline",
        document_kinds=(Document.Kind.FRONT, Document.Kind.SELFIE),
        per_document_review=False,
        corrections="resubmit",
        # Identity data too, a correction our pages do not take yet (it goes to our team).
        fixes=frozenset({FixKind.DOCUMENT, FixKind.IDENTITY_DATA}),
        correction_limit=None,
        challenge_questions=False,
        client_override=False,
        reset=False,
        sandbox_outcomes=(),
        staff_document_review=False,
        banking=False,
        webhook_auth="HTTP Basic credentials",
        status_needs_polling=frozenset({Status.ACTION_REQUIRED}),
        profile_needs=frozenset({PROFILE_SPLIT_NAME}),
    )

    def __init__(self, *, observers: Sequence[CallObserver] = ()) -> None:
        self.observers = observers

    def create_customer(self, verification: Verification) -> str:
        raise AssertionError("with_kyc: the core must not create the customer at the profile")

    def find_customer(self, client_reference_id: str) -> str | None:
        """The person a first submission created under our reference (a lost answer)."""
        refs = {sent["reference"] for sent in SENT}
        return f"acme-{client_reference_id}" if client_reference_id in refs else None

    def profile_errors(self, error: PermanentProviderError) -> dict[str, list[str]]:
        return {"__all__": [error.message]}

    def user_message(self, text: str) -> str:
        return text

    def refused_fields(self, text: str) -> dict[str, str]:
        return {}

    def fetch_form_spec(self, verification: Verification) -> dict[str, Any]:
        return {"document_types": ["PASSPORT", "ID_CARD"]}

    def parse_form_spec(self, raw: Mapping[str, Any]) -> FormSpec:
        return FormSpec(list(raw["document_types"]), document_labels={"ID_CARD": "ID card"})

    def correction_parts(self) -> Mapping[str, CorrectionPart]:
        return {FixKind.DOCUMENT: CorrectionPart(("document_number",), (Document.Kind.FRONT,))}

    def submit(self, submission: Submission, documents: DocumentSource) -> Outcome:
        files = {
            kind: documents.read(kind, max_bytes=MAX_DOCUMENT_BYTES) for kind in documents.kinds
        }
        reference = submission.verification.client_reference_id
        data = dict(submission.data)
        SENT.append({"kind": submission.kind, "data": data, "files": files, "reference": reference})
        return Outcome(
            Status.PROCESSING, provider_status="submitted", provider_customer_id=f"acme-{reference}"
        )

    def current(self, verification: Verification) -> Outcome:
        if UNREACHABLE:
            raise TransientProviderError("connection failed (ConnectionError)")
        return Outcome(Status.VERIFIED, provider_status="cleared")

    def reset(self, verification: Verification) -> Outcome:
        raise AssertionError("reset is not a capability of this provider")

    def force_outcome(self, verification: Verification, outcome: str) -> Outcome:
        raise AssertionError("no sandbox outcomes")

    def authenticate_webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None
    ) -> None:
        given = headers.get("Authorization") or headers.get("authorization") or ""
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if not given:
            raise Unauthorized("missing Authorization header")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise Unauthorized("wrong webhook credentials")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        try:
            document = json.loads(body)
            events = tuple(_event(item) for item in document["events"])
            return Delivery(dedupe_key=f"{document['id']}:{document['revision']}", events=events)
        except (ValueError, KeyError, TypeError):
            raise Unreadable("not an Acme delivery") from None

    def register_webhook(self, url: str) -> str:
        return url

    def deploy_checks(self) -> list[Any]:
        return []

    def startup_checks(self) -> list[Any]:
        return []


def _event(item: Mapping[str, Any]) -> ProviderEvent:
    common = {"entity_id": item["customer"], "raw_type": item["type"]}
    if item["status"] is None:  # "something changed": the core asks current()
        return ProviderEvent("verification", raw_event="changed", **common)
    outcome = Outcome(
        status=item["status"],
        reason=item.get("reason", ""),
        provider_status=item["type"],
        revision=item.get("revision"),
    )
    return ProviderEvent("verification", raw_event=item["status"], outcome=outcome, **common)


def basic_auth(username: str = USERNAME, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def enable(settings: Any, *, default: bool = False, routing: list[Any] | None = None) -> None:
    """Register and enable this provider for one test (pytest-django's settings fixture)."""
    settings.KYC_PROVIDER_BACKENDS = {NAME: BACKEND}
    settings.KYC_PROVIDERS = ["dollarpe", NAME]
    if default:
        settings.KYC_DEFAULT_PROVIDER = NAME
    if routing is not None:
        settings.KYC_ROUTING = routing
    SENT.clear()
    UNREACHABLE.clear()
