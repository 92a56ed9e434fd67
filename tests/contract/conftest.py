"""The DollarPe client against the DollarPe emulator, over real HTTP.

Every request the client sends is captured as it went on the wire and, where the
endpoint is in DollarPe's published OpenAPI (May 2025), validated against its schema.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from jsonschema import Draft7Validator

from kyc.providers.dollarpe.client import DollarPeClient
from kyc.providers.dollarpe.types import DocumentDetails, KycData, NewCustomer
from tests.support import images

# DollarPe's published OpenAPI (CMS subset), read where the fact sheets keep it: ../shared
# beside the checkout, as CI has it. Never copied into this repository.
SPEC = (
    Path(__file__).resolve().parents[3] / "shared/providers/dollarpe/openapi-2025-05-cms-paths.json"
)
if not SPEC.is_file():
    raise RuntimeError(f"DollarPe's published spec is missing: {SPEC} (../shared beside the clone)")
OPENAPI = json.loads(SPEC.read_text())
PREFIXES = ("/cms/api/v1", "/org/api/v1")


def _template_for(path: str, method: str) -> tuple[str, dict[str, Any]] | None:
    for template, operations in OPENAPI.items():
        pattern = template.strip("/").split("/")
        parts = path.strip("/").split("/")
        if len(pattern) == len(parts) and all(
            p.startswith("{") or p == q for p, q in zip(pattern, parts, strict=True)
        ):
            operation = operations.get(method.lower())
            if operation is not None:
                return template, operation
    return None


def request_schema(method: str, url: str) -> tuple[str, dict[str, Any] | None]:
    """The documented path template and request body schema of a call, if published."""
    path = urlsplit(url).path
    for prefix in PREFIXES:
        path = path.removeprefix(prefix)
    found = _template_for(path, method)
    if found is None:
        return path, None
    template, operation = found
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return template, body.get("schema")


class WireLog:
    """What the client put on the wire: (method, url, body bytes)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes]] = []

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        self.sent.append((request.method or "", request.url or "", body))

    def validated(self) -> set[str]:
        """Validate every captured body that has a published schema; return their endpoints."""
        endpoints = set()
        for method, url, body in self.sent:
            template, schema = request_schema(method, url)
            if schema is None or not body:
                continue
            errors = sorted(Draft7Validator(schema).iter_errors(json.loads(body)), key=str)
            assert not errors, f"{method} {url}: {[e.message for e in errors]}"
            endpoints.add(f"{method} {template}")
        return endpoints


@pytest.fixture
def wire() -> WireLog:
    return WireLog()


@pytest.fixture
def client(emulator: Any, wire: WireLog) -> Iterator[DollarPeClient]:
    session = requests.Session()
    session.hooks["response"].append(wire.hook)
    yield DollarPeClient(
        base_url=settings.DOLLARPE_BASE_URL,
        api_key=settings.DOLLARPE_API_KEY,
        api_secret=settings.DOLLARPE_API_SECRET,
        timeout=5,
        session=session,
    )
    wire.validated()


@pytest.fixture
def other_org_client(emulator: Any) -> DollarPeClient:
    return DollarPeClient(
        base_url=settings.DOLLARPE_BASE_URL,
        api_key="other-org",
        api_secret="other-secret",
        timeout=5,
    )


def unique_phone() -> str:
    return "9" + str(uuid.uuid4().int)[:9]


@pytest.fixture
def new_customer() -> Callable[..., NewCustomer]:
    def make(**overrides: Any) -> NewCustomer:
        values: dict[str, Any] = {
            "full_name": "Asha Rao",
            "email": f"asha-{uuid.uuid4().hex[:8]}@example.com",
            "phone": unique_phone(),
            "alpha_3_country_code": "IND",
            "client_reference_id": f"ref-{uuid.uuid4().hex[:12]}",
        }
        return NewCustomer(**(values | overrides))

    return make


@pytest.fixture
def document_urls() -> Callable[..., dict[str, str]]:
    """Real files in the private bucket, handed over as presigned GET URLs."""
    storage = storages["documents"]

    def make(
        front: bytes | None = None, back: bytes | None = None, selfie: bytes | None = None
    ) -> dict[str, str]:
        names = {}
        for field, content in (
            ("document_front_image_url", front or images.jpeg()),
            ("document_back_image_url", back or images.png()),
            ("selfie_url", selfie or images.jpeg()),
        ):
            names[field] = storage.url(
                storage.save(f"contract/{uuid.uuid4().hex}", ContentFile(content))
            )
        return names

    return make


@pytest.fixture
def kyc_data(document_urls: Callable[..., dict[str, str]]) -> Callable[..., KycData]:
    def make(customer_id: str, **overrides: Any) -> KycData:
        pan_digits = str(uuid.uuid4().int)[:4].replace("0", "1")
        values: dict[str, Any] = {
            "customer_id": customer_id,
            "full_name": "Asha Rao",
            "phone": unique_phone(),
            "full_address": "12 MG Road, Bengaluru 560001",
            "dob": "15-08-1990",
            "registered_date": "01-01-2025",
            "tax_number": f"ABCPR{pan_digits}K",
            "document_type": "AADHAAR",
            "document_details": DocumentDetails(
                document_number=str(uuid.uuid4().int)[:12].replace("0", "7")
            ),
            "selfie_verification_status": True,
            "additional_info": {"income_range": "<10L", "profession": "Engineer"},
            **document_urls(),
        }
        return KycData(**(values | overrides))

    return make
