"""The DollarPe client: one method per documented call, over the shared request path."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import requests
from pydantic import BaseModel, TypeAdapter

from kyc.providers.base import CallObserver, ProviderHttpClient, validated
from kyc.providers.dollarpe.errors import error_from_document, error_from_response
from kyc.providers.dollarpe.redaction import redact
from kyc.providers.dollarpe.signing import JsonStyle, canonical_json, signed_headers
from kyc.providers.dollarpe.types import (
    BankAccount,
    Customer,
    DocumentUpdate,
    KycConfiguration,
    KycData,
    KycLink,
    KycStatus,
    NewBankAccount,
    NewCustomer,
    Page,
)
from kyc.providers.errors import InvalidResponseError, ProviderError

CMS = "/cms/api/v1"
ORG = "/org/api/v1"
M = TypeVar("M", bound=BaseModel)


class DollarPeClient(ProviderHttpClient):
    provider = "dollarpe"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        api_secret: str,
        json_style: JsonStyle = "compact",
        timeout: float = 10.0,
        session: requests.Session | None = None,
        observers: Sequence[CallObserver] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(base_url=base_url, timeout=timeout, session=session, observers=observers)
        self.api_key = api_key
        self._api_secret = api_secret
        self.json_style: JsonStyle = json_style
        self._clock = clock

    @classmethod
    def from_settings(cls, *, observers: Sequence[CallObserver] = ()) -> DollarPeClient:
        from django.conf import settings

        return cls(
            base_url=settings.DOLLARPE_BASE_URL,
            api_key=settings.DOLLARPE_API_KEY,
            api_secret=settings.DOLLARPE_API_SECRET,
            json_style=cast(JsonStyle, settings.DOLLARPE_JSON_STYLE),
            timeout=settings.DOLLARPE_TIMEOUT,
            observers=observers,
        )

    # --- the hooks of the shared request path ------------------------------------------------
    def encode_body(self, body: Mapping[str, Any] | None) -> bytes:
        # The exact string that is signed is the body sent, byte for byte.
        return canonical_json(body, self.json_style).encode()

    def auth_headers(self, method: str, payload: bytes) -> dict[str, str]:
        timestamp = int(self._clock())
        return signed_headers(self.api_key, self._api_secret, timestamp, payload.decode())

    def error_for(self, response: requests.Response) -> ProviderError:
        return error_from_response(response)

    def unwrap(self, document: Any) -> Any:
        if not isinstance(document, dict) or "data" not in document:
            raise InvalidResponseError("the answer has no envelope")
        if document.get("status") is False or document.get("success") is False:
            raise error_from_document(document, 400)
        return document["data"]

    def redact(self, body: Mapping[str, Any] | None) -> Any:
        return redact(body)

    # --- helpers -----------------------------------------------------------------------------
    def _call(
        self,
        model: type[M] | TypeAdapter[Any],
        method: str,
        path: str,
        endpoint: str,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        data = self.request(method, CMS + path, body=body, endpoint=endpoint)
        return validated(model, data, endpoint)

    # --- customers ---------------------------------------------------------------------------
    def create_customer(self, customer: NewCustomer) -> Customer:
        return self._call(Customer, "POST", "/customer/create", "customer/create", customer.body())

    def get_customer(self, customer_id: str) -> Customer:
        return self._call(Customer, "GET", f"/customer/{customer_id}", "customer/get")

    def list_customers(self, page: int = 1) -> Page[Customer]:
        return self._call(Page[Customer], "GET", f"/customer/list?page={page}", "customer/list")

    # --- KYC ---------------------------------------------------------------------------------
    def kyc_configuration(self, customer_id: str) -> KycConfiguration:
        path = f"/kyc/configuration/{customer_id}"
        return self._call(KycConfiguration, "GET", path, "kyc/configuration")

    def add_kyc_data(self, data: KycData) -> KycStatus:
        return self._call(KycStatus, "POST", "/kyc/add-kyc-data", "kyc/add-kyc-data", data.body())

    def update_document_info(self, update: DocumentUpdate) -> KycStatus:
        path = "/kyc/update-document-info"
        return self._call(KycStatus, "PATCH", path, "kyc/update-document-info", update.body())

    def update_tax_info(self, customer_id: str, tax_number: str) -> KycStatus:
        body = {"customer_id": customer_id, "tax_number": tax_number}
        return self._call(KycStatus, "PATCH", "/kyc/update-tax-info", "kyc/update-tax-info", body)

    def update_additional_info(
        self, customer_id: str, additional_info: dict[str, str]
    ) -> KycStatus:
        body = {"customer_id": customer_id, "additional_info": additional_info}
        path = "/kyc/update-additional-info"
        return self._call(KycStatus, "PATCH", path, "kyc/update-additional-info", body)

    def update_selfie_info(self, customer_id: str, selfie_url: str) -> KycStatus:
        body = {"customer_id": customer_id, "selfie_url": selfie_url}
        path = "/kyc/update-selfie-info"
        return self._call(KycStatus, "PATCH", path, "kyc/update-selfie-info", body)

    def reset_kyc(self, customer_id: str) -> KycStatus:
        body = {"customer_id": customer_id}
        return self._call(KycStatus, "POST", "/kyc/reset-kyc", "kyc/reset-kyc", body)

    def mock_kyc_status(self, customer_id: str, kyc_status: str) -> KycStatus:
        """Sandbox only: force a verification result."""
        body = {"customer_id": customer_id, "kyc_status": kyc_status}
        path = "/kyc/mock-kyc-status"
        return self._call(KycStatus, "PATCH", path, "kyc/mock-kyc-status", body)

    def generate_link(self, customer_id: str, redirect_url: str) -> KycLink:
        body = {"customer_id": customer_id, "redirect_url": redirect_url}
        return self._call(KycLink, "POST", "/kyc/generate-link", "kyc/generate-link", body)

    # --- bank accounts -----------------------------------------------------------------------
    def create_bank_account(self, account: NewBankAccount) -> BankAccount:
        return self._call(BankAccount, "POST", "/bank/create", "bank/create", account.body())

    def get_bank_account(self, customer_id: str, bank_id: str) -> BankAccount:
        return self._call(BankAccount, "GET", f"/bank/{customer_id}/{bank_id}", "bank/get")

    def list_bank_accounts(self, customer_id: str, page: int = 1) -> Page[BankAccount]:
        path = f"/bank/list/{customer_id}?page={page}"
        return self._call(Page[BankAccount], "GET", path, "bank/list")

    # --- webhooks ----------------------------------------------------------------------------
    def register_webhook(self, webhook_url: str) -> str:
        body = {"webhook_url": webhook_url}
        path = ORG + "/organizations/api-webhooks"
        data = self.request("POST", path, body=body, endpoint="organizations/api-webhooks")
        if not isinstance(data, str):
            # The docs show data as the URL string; anything else is still a success.
            return webhook_url
        return data
