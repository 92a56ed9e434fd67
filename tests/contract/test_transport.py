"""Authentication, webhook registration and the error categories of the request path."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from kyc.providers.base import CallRecord
from kyc.providers.dollarpe.client import DollarPeClient
from kyc.providers.dollarpe.errors import SignatureRejected, WebhookUrlRequired
from kyc.providers.errors import AuthenticationError, TransientProviderError
from tests.settings import free_port


def _client(**overrides):
    values: dict[str, Any] = {
        "base_url": settings.DOLLARPE_BASE_URL,
        "api_key": settings.DOLLARPE_API_KEY,
        "api_secret": settings.DOLLARPE_API_SECRET,
        "timeout": 5,
    }
    return DollarPeClient(**(values | overrides))


def test_register_webhook(client, emulator, wire):
    url = "https://kyc.example.com/webhooks/dollarpe/"
    assert client.register_webhook(url) == url
    assert wire.validated() == {"POST /organizations/api-webhooks"}
    with pytest.raises(WebhookUrlRequired):
        client.register_webhook("")


@pytest.mark.parametrize("style", ["python", "compact"])
def test_both_json_styles_are_accepted(emulator, new_customer, style):
    assert _client(json_style=style).create_customer(new_customer()).status == "UNVERIFIED"


def test_wrong_secret_is_a_signature_error(emulator):
    with pytest.raises(SignatureRejected) as caught:
        _client(api_secret="wrong").list_customers()
    assert isinstance(caught.value, AuthenticationError)


def test_unknown_key_is_an_authentication_error(emulator):
    with pytest.raises(AuthenticationError) as caught:
        _client(api_key="nobody").list_customers()
    assert caught.value.status_code == 401


def test_a_skewed_clock_is_an_authentication_error(emulator):
    with pytest.raises(AuthenticationError):
        _client(clock=lambda: 1_000_000_000).list_customers()


@pytest.mark.parametrize("mode", ["500", "reset"])
def test_server_errors_and_resets_are_transient(emulator, mode, new_customer):
    emulator.config(fault_rate=1.0, fault_modes=[mode])
    with pytest.raises(TransientProviderError):
        _client().create_customer(new_customer())
    emulator.config(fault_rate=0.0)
    assert _client().list_customers().count == 0  # the faulted call changed nothing


def test_a_timeout_is_transient(emulator):
    emulator.config(fault_rate=1.0, fault_modes=["timeout"], fault_timeout_seconds=2)
    with pytest.raises(TransientProviderError, match="timed out"):
        _client(timeout=0.3).list_customers()


def test_connection_refused_is_transient():
    with pytest.raises(TransientProviderError, match="connection failed"):
        _client(base_url=f"http://127.0.0.1:{free_port()}").list_customers()


def test_every_call_is_recorded_with_secrets_redacted(emulator, new_customer, kyc_data):
    records: list[CallRecord] = []
    client = DollarPeClient.from_settings(observers=[records.append])
    customer = client.create_customer(new_customer())
    client.add_kyc_data(kyc_data(customer.id, tax_number="ABCPR4321K"))
    create, submit = records
    assert (create.endpoint, create.status_code, create.attempt, create.error) == (
        "customer/create",
        200,
        1,
        None,
    )
    assert submit.endpoint == "kyc/add-kyc-data"
    body = submit.request_body
    assert "X-Amz-Signature" not in body["selfie_url"]
    assert "?" not in body["document_front_image_url"]
    assert body["tax_number"].endswith("1K")
    assert "4321" not in body["tax_number"]
    assert "4321" not in repr(records)
