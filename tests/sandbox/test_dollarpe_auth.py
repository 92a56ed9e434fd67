"""Authentication (§2) and the generic envelopes (§3) of the emulator's API."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.dollarpe.process import EmulatorProcess
from tests.sandbox.dollarpe_support import Api, create_customer, customer_body, errors_of

UNAUTHORIZED = {"status": False, "message": "Unauthorized", "data": None}


def _unauthorized(response: requests.Response) -> dict:
    assert response.status_code == 401, response.text
    payload = response.json()
    assert {k: payload[k] for k in UNAUTHORIZED} == UNAUTHORIZED
    return dict(payload["errors"])


def test_missing_api_key(api: Api) -> None:
    response = api.get("/customer/list", headers={"X-API-KEY": ""})
    assert "api_key" in _unauthorized(response)


def test_unknown_api_key(api: Api) -> None:
    response = api.get("/customer/list", headers={"X-API-KEY": "nobody"})
    assert _unauthorized(response) == {"api_key": ["Invalid API key"]}


@pytest.mark.parametrize("timestamp", ["", "12.5", "abc", "-5"])
def test_bad_timestamp(api: Api, timestamp: str) -> None:
    response = api.get("/customer/list", headers={"X-TIMESTAMP": timestamp})
    assert "timestamp" in _unauthorized(response)


@pytest.mark.parametrize("skew", [-301, 301])
def test_timestamp_outside_window(api: Api, skew: int) -> None:
    timestamp = str(int(time.time()) + skew)
    response = api.call("GET", "/customer/list", headers=api.headers(None, timestamp=timestamp))
    assert "timestamp" in _unauthorized(response)


def test_milliseconds_timestamp_is_outside_window(api: Api) -> None:
    timestamp = str(int(time.time() * 1000))
    response = api.call("GET", "/customer/list", headers=api.headers(None, timestamp=timestamp))
    assert "timestamp" in _unauthorized(response)


def test_timestamp_window_is_configurable(emu: EmulatorProcess, api: Api) -> None:
    emu.config(timestamp_window=1000)
    timestamp = str(int(time.time()) - 900)
    response = api.call("GET", "/customer/list", headers=api.headers(None, timestamp=timestamp))
    assert response.status_code == 200


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_wrong_signature(api: Api, signature: str) -> None:
    response = api.post("/customer/create", customer_body(), headers={"X-SIGNATURE": signature})
    assert response.json() == {
        "status": False,
        "message": "Bad Request",
        "data": None,
        "errors": {"signature": ["Invalid Signature"]},
    }
    assert response.status_code == 400


def test_signature_over_a_different_body_is_rejected(api: Api) -> None:
    body = customer_body()
    headers = api.headers(dict(body, full_name="Someone Else"))
    response = api.post("/customer/create", body, headers=headers)
    assert errors_of(response) == {"signature": ["Invalid Signature"]}


def test_other_orgs_secret_is_rejected(api: Api) -> None:
    impostor = Api(api.base_url, api.api_key, "other-secret")
    assert errors_of(impostor.get("/customer/list")) == {"signature": ["Invalid Signature"]}


@pytest.mark.parametrize("style", ["python_default", "compact", "node_allowlist"])
def test_each_serialisation_is_accepted_and_logged(
    emu: EmulatorProcess, api: Api, style: str
) -> None:
    customer = create_customer(api)
    assert api.get(f"/customer/{customer['id']}", style=style).status_code == 200
    # Nested keys make the three strings differ (Node drops document_details' keys).
    body = {
        "customer_id": customer["id"],
        "tax_number": "ABCPE1234F",
        "document_details": {"document_number": "1234"},
    }
    response = api.patch("/kyc/update-tax-info", body, style=style)
    assert "signature" not in errors_of(response)
    entries = emu.requests_log(path="/cms/api/v1/kyc/update-tax-info")
    assert entries[-1]["signature_style"] == style


def test_accepted_styles_are_configurable(emu: EmulatorProcess, api: Api) -> None:
    emu.config(signature_styles=["compact"])
    response = api.post("/customer/create", customer_body(), style="python_default")
    assert errors_of(response) == {"signature": ["Invalid Signature"]}
    assert api.post("/customer/create", customer_body(), style="compact").status_code == 200


def test_get_is_signed_over_empty_object(api: Api) -> None:
    # Api.headers(None) signs "{}"; any other string fails.
    headers = api.headers({"x": 1})
    assert api.call("GET", "/customer/list", headers=headers).status_code == 400
    assert api.get("/customer/list").status_code == 200


def test_malformed_json(api: Api) -> None:
    raw = b'{"full_name": '
    headers = api.headers({}) | {"Content-Type": "application/json"}
    response = requests.post(api.url("/customer/create"), data=raw, headers=headers, timeout=5)
    errors = errors_of(response)
    assert errors["non_field_errors"][0].startswith("JSON parse error - ")


def test_json_must_be_an_object(api: Api) -> None:
    response = api.post("/customer/create", [1, 2])
    assert errors_of(response) == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_wrong_content_type(api: Api) -> None:
    headers = api.headers({}) | {"Content-Type": "text/plain"}
    response = requests.post(api.url("/customer/create"), data=b"x", headers=headers, timeout=5)
    assert response.status_code == 415
    assert response.json()["status"] is False


def test_unknown_path_and_method(api: Api) -> None:
    assert errors_of(api.get("/nothing/here"), 404) == {"detail": ["Not found."]}
    assert errors_of(api.get("/kyc/add-kyc-data"), 405) == {"detail": ['Method "GET" not allowed.']}


def test_request_log_strips_url_queries(emu: EmulatorProcess, api: Api) -> None:
    customer = create_customer(api)
    url = "https://bucket.example/x.jpg?X-Amz-Signature=s3cr3t"
    api.post("/kyc/update-selfie-info", {"customer_id": customer["id"], "selfie_url": url})
    entry = emu.requests_log(customer_id=customer["id"])[-1]
    assert entry["body"]["selfie_url"] == "https://bucket.example/x.jpg"
    assert entry["method"] == "POST"
    assert entry["status"] == 400
    assert "s3cr3t" not in emu.output()
