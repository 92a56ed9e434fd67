"""The Rebilly client: one method per call we make (API.md §3-§7), over the shared path.

Every path is relative to {REBILLY_BASE_URL}/organizations/{REBILLY_ORGANIZATION_ID}
[SPEC servers] and every call carries `REB-APIKEY` [SPEC SecretApiKey]. Errors are
RFC 7807 problems; a 422's `invalidFields` become field errors, and a 429's
`X-RateLimit-Retry-After` (a UTC Unix time [SPEC]) becomes the delay before a retry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import requests
from pydantic import BaseModel, TypeAdapter

from kyc.providers.base import CallObserver, ProviderHttpClient, problem_body, quoted, validated
from kyc.providers.errors import (
    AuthenticationError,
    NotFoundError,
    PermanentProviderError,
    ProviderError,
    RateLimitedError,
    TransientProviderError,
)
from kyc.providers.rebilly.types import Credential, Customer, KycDocument, KycRequest, Webhook

M = TypeVar("M", bound=BaseModel)
PAGE = 100  # collection items read per call; a customer has a handful of requests


class RebillyClient(ProviderHttpClient):
    provider = "rebilly"

    def __init__(
        self,
        *,
        base_url: str,
        organization_id: str,
        api_key: str,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        observers: Sequence[CallObserver] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        root = f"{base_url.rstrip('/')}/organizations/{quote(organization_id, safe='')}"
        super().__init__(base_url=root, timeout=timeout, session=session, observers=observers)
        self._api_key = api_key
        self._clock = clock

    @classmethod
    def from_settings(cls, *, observers: Sequence[CallObserver] = ()) -> RebillyClient:
        from django.conf import settings

        return cls(
            base_url=settings.REBILLY_BASE_URL,
            organization_id=settings.REBILLY_ORGANIZATION_ID,
            api_key=settings.REBILLY_API_KEY,
            timeout=settings.REBILLY_TIMEOUT,
            observers=observers,
        )

    # --- the hooks of the shared request path ------------------------------------------------
    def auth_headers(self, method: str, payload: bytes) -> dict[str, str]:
        return {"REB-APIKEY": self._api_key}

    def error_for(self, response: requests.Response) -> ProviderError:
        status = response.status_code
        problem = problem_body(response)
        title = str(problem.get("title") or f"HTTP {status}")[:200]
        detail = str(problem.get("detail") or "")[:500]
        message = f"{title}: {detail}" if detail else title
        if status == 429:
            return RateLimitedError(
                message, retry_after=self._retry_after(response), status_code=status
            )
        if status >= 500:
            return TransientProviderError(message, status_code=status)
        if status in (401, 403):
            return AuthenticationError(message, status_code=status)
        if status == 404:
            return NotFoundError(message, status_code=status)
        return PermanentProviderError(
            message, status_code=status, field_errors=_invalid_fields(problem)
        )

    def _retry_after(self, response: requests.Response) -> float | None:
        try:
            reset_at = float(response.headers.get("X-RateLimit-Retry-After", ""))
        except ValueError:
            return None
        return max(reset_at - self._clock(), 0.0)

    # --- helpers -----------------------------------------------------------------------------
    def _call(
        self,
        model: type[M] | TypeAdapter[Any],
        method: str,
        path: str,
        endpoint: str,
        body: Mapping[str, Any] | None = None,
        also_ok: frozenset[int] = frozenset(),
    ) -> Any:
        answer = self.send(method, path, body=body, endpoint=endpoint, also_ok=also_ok)
        return validated(model, answer.data, endpoint)

    # --- customers ---------------------------------------------------------------------------
    def put_customer(self, customer_id: str, body: Mapping[str, Any]) -> Customer:
        """Create or update the customer under our own id: never two [SPEC customers@{id}]."""
        return self._call(
            Customer, "PUT", f"/customers/{quoted(customer_id)}", "customers/put", body
        )

    def get_customer(self, customer_id: str) -> Customer | None:
        try:
            return self._call(Customer, "GET", f"/customers/{quoted(customer_id)}", "customers/get")
        except NotFoundError:
            return None

    # --- KYC requests and documents ------------------------------------------------------------
    def create_kyc_request(self, body: Mapping[str, Any]) -> KycRequest:
        return self._call(KycRequest, "POST", "/kyc-requests", "kyc-requests/create", body)

    def get_kyc_request(self, request_id: str) -> KycRequest:
        path = f"/kyc-requests/{quoted(request_id)}?expand=documents"
        return self._call(KycRequest, "GET", path, "kyc-requests/get")

    def list_kyc_requests(self, customer_id: str) -> list[KycRequest]:
        query = {"filter": f"customerId:{customer_id}", "sort": "-createdTime", "limit": PAGE}
        path = f"/kyc-requests?{urlencode(query)}"
        return self._call(TypeAdapter(list[KycRequest]), "GET", path, "kyc-requests/list")

    def list_documents(self, request_id: str) -> list[KycDocument]:
        query = {"filter": f"requestId:{request_id}", "limit": PAGE}
        path = f"/kyc-documents?{urlencode(query)}"
        return self._call(TypeAdapter(list[KycDocument]), "GET", path, "kyc-documents/list")

    def accept_document(self, document_id: str) -> KycDocument:
        path = f"/kyc-documents/{quoted(document_id)}/acceptance"
        return self._call(KycDocument, "POST", path, "kyc-documents/acceptance")

    def reject_document(self, document_id: str, reason_type: str, message: str) -> KycDocument:
        path = f"/kyc-documents/{quoted(document_id)}/rejection"
        body = {"type": reason_type, "message": message[:255]}
        return self._call(KycDocument, "POST", path, "kyc-documents/rejection", body)

    # --- webhooks ----------------------------------------------------------------------------
    def create_credential(self, host: str, username: str, password: str) -> Credential:
        """Our Basic credential for `host`; a 303 means Rebilly has this one already [SPEC]."""
        auth = {"type": "basic", "username": username, "password": password}
        body = {"type": "webhook", "host": host, "auth": auth}
        answer = self.send(
            "POST",
            "/service-credentials/webhook",
            body=body,
            endpoint="service-credentials/create",
            also_ok=frozenset({303}),
            expect_body=False,
        )
        data = answer.data
        if data is None and answer.headers.get("Location"):
            # A 303 may carry only where the existing credential is: read it there.
            path = "/" + urlsplit(answer.headers["Location"]).path.split("/", 3)[-1]
            data = self.request("GET", path, endpoint="service-credentials/get")
        return validated(Credential, data, "service-credentials/create")

    def list_webhooks(self) -> list[Webhook]:
        path = f"/webhooks?{urlencode({'limit': PAGE})}"
        return self._call(TypeAdapter(list[Webhook]), "GET", path, "webhooks/list")

    def create_webhook(self, body: Mapping[str, Any]) -> Webhook:
        return self._call(Webhook, "POST", "/webhooks", "webhooks/create", body)

    def update_webhook(self, webhook_id: str, body: Mapping[str, Any]) -> Webhook:
        path = f"/webhooks/{quoted(webhook_id)}"
        return self._call(Webhook, "PUT", path, "webhooks/update", body)


def _invalid_fields(problem: Mapping[str, Any]) -> dict[str, list[str]]:
    """422 `invalidFields: [{field: "dot.path", message}]` [SPEC ValidationError]."""
    errors: dict[str, list[str]] = {}
    items = problem.get("invalidFields")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("message"):
            field = str(item.get("field") or "")[:100]
            errors.setdefault(field, []).append(str(item["message"])[:300])
    return errors
