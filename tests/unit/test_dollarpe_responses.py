"""The client accepts every documented response variant and refuses what has none."""

from __future__ import annotations

import pytest

from kyc.providers.dollarpe.client import DollarPeClient
from kyc.providers.dollarpe.errors import EmailInUse, KycAlreadyInUse, UpdateLimitExceeded
from kyc.providers.errors import InvalidResponseError, RateLimitedError, TransientProviderError
from tests.support.scripted_http import scripted_server

CID = "075986f3-282b-4555-bfcd-fad973e32596"


@pytest.fixture
def server():
    with scripted_server() as (url, script):
        yield DollarPeClient(base_url=url, api_key="k", api_secret="s", timeout=3), script


def test_customer_id_alias_and_unknown_fields(server):
    client, script = server
    script.envelope({"customer_id": CID, "status": "PROCESSING", "brand_new_field": [1]})
    status = client.reset_kyc(CID)
    assert (status.id, status.status, status.failure_reason) == (CID, "PROCESSING", None)


def test_bank_ifsc_code_alias_and_null_string(server):
    client, script = server
    script.envelope(
        {
            "id": "b1",
            "customer_id": CID,
            "account_number": "123",
            "ifsc_code": "HDFC0001234",
            "vpa": None,
            "bank_account_type": "ACCOUNT_DETAILS",
            "bank_account_status": "VERIFIED",
            "failure_reason": "null",
        }
    )
    bank = client.get_bank_account(CID, "b1")
    assert (bank.ifsc, bank.failure_reason) == ("HDFC0001234", None)


def test_old_customer_shape_with_is_edd_verified(server):
    client, script = server
    script.envelope({"id": CID, "status": "VERIFIED", "is_edd_verified": False})
    assert client.get_customer(CID).status == "VERIFIED"


def test_configuration_field_specs_are_collected(server):
    client, script = server
    script.envelope(
        {
            "supported_document_types": ["PASSPORT"],
            "additional_info_required": {
                "options": ["ssn_number", "visa"],
                "rules": {"type": "anyOf", "min_required": 1},
                "ssn_number": {"type": "string", "required": False},
                "visa": {"type": "url", "required": False},
            },
        }
    )
    config = client.kyc_configuration(CID)
    assert config.additional_info_required is not None
    assert config.additional_info_required.fields["visa"].type == "url"


@pytest.mark.parametrize(
    "data",
    [
        {"supported_document_types": []},
        {"supported_document_types": "AADHAAR"},
        {"supported_document_types": ["AADHAAR"], "additional_info_required": {"options": "x"}},
        {
            "supported_document_types": ["AADHAAR"],
            "additional_info_required": {
                "options": [],
                "rules": {"type": "oneOf", "min_required": 1},
            },
        },
        None,
    ],
)
def test_malformed_configuration_is_an_invalid_response(server, data):
    client, script = server
    script.envelope(data)
    with pytest.raises(InvalidResponseError, match="kyc/configuration"):
        client.kyc_configuration(CID)


def test_a_success_without_envelope_or_json(server):
    client, script = server
    script.json({"id": CID})
    with pytest.raises(InvalidResponseError):
        client.get_customer(CID)
    script.status, script.body, script.headers = 200, b"<html>proxy</html>", {}
    with pytest.raises(InvalidResponseError):
        client.get_customer(CID)


def test_rate_limit_carries_retry_after(server):
    client, script = server
    script.json({"detail": "slow down"}, status=429, **{"Retry-After": "7"})
    with pytest.raises(RateLimitedError) as caught:
        client.get_customer(CID)
    assert caught.value.retry_after == 7.0
    assert isinstance(caught.value, TransientProviderError)


def test_500_with_success_key_is_transient(server):
    client, script = server
    script.json(
        {
            "success": False,
            "message": "Internal Server Error",
            "errors": "Unexpected error occurred.",
            "data": None,
        },
        status=500,
    )
    with pytest.raises(TransientProviderError) as caught:
        client.get_customer(CID)
    assert caught.value.status_code == 500


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        ({"email": ["Email already in use."]}, EmailInUse),
        ({"non_field_errors": ["KYC already in use"]}, KycAlreadyInUse),
        ({"customer": ["Limit exceeded"]}, UpdateLimitExceeded),
        ({"kyc": ["Kyc update limit exceeded"]}, UpdateLimitExceeded),
    ],
)
def test_error_texts_match_wherever_they_appear(server, errors, expected):
    client, script = server
    script.json(
        {"status": False, "message": "Bad Request", "data": None, "errors": errors}, status=400
    )
    with pytest.raises(expected):
        client.update_tax_info(CID, "ABCPE1234F")


def test_a_400_text_in_message_only(server):
    client, script = server
    script.json({"status": False, "message": "Email already in use", "data": None}, status=400)
    with pytest.raises(EmailInUse):
        client.get_customer(CID)
