"""Webhook configuration and delivery (§8): signing, retries, duplicates, hold/release, send."""

from __future__ import annotations

import re
import time

import pytest

from sandbox.dollarpe.process import EmulatorProcess
from tests.sandbox.dollarpe_signer import verify_webhook
from tests.sandbox.dollarpe_support import (
    Api,
    TestServer,
    create_customer,
    errors_of,
    kyc_body,
    wait_for,
)

WEBHOOK_CONFIG = "/org/api/v1/organizations/api-webhooks"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def verify_customer(api: Api, customer_id: str, status: str = "VERIFIED") -> None:
    api.ok("PATCH", "/kyc/mock-kyc-status", {"customer_id": customer_id, "kyc_status": status})


def processing_customer(emu: EmulatorProcess, api: Api, server: TestServer) -> str:
    emu.config(auto_decision=False)
    customer = create_customer(api)
    api.ok("POST", "/kyc/add-kyc-data", kyc_body(customer["id"], server))
    return str(customer["id"])


def test_register_webhook_url(api: Api, server: TestServer) -> None:
    url = server.url("/hooks/main")
    response = api.post(WEBHOOK_CONFIG, {"webhook_url": url})
    assert response.json() == {"status": True, "message": "Success", "data": url}
    assert api.ok("POST", WEBHOOK_CONFIG, {"url": url + "2"}) == url + "2"


@pytest.mark.parametrize("body", [{}, {"webhook_url": ""}, {"url": "  "}])
def test_webhook_url_is_required(api: Api, body: dict) -> None:
    assert errors_of(api.post(WEBHOOK_CONFIG, body)) == {"webhook_url": ["Webhook URL is required"]}


def test_webhook_url_must_be_a_url(api: Api) -> None:
    body = {"webhook_url": "www.testwh1fromapi.com/w1"}
    assert errors_of(api.post(WEBHOOK_CONFIG, body)) == {"webhook_url": ["Enter a valid URL."]}


def test_delivery_is_signed_with_the_org_secret(
    emu: EmulatorProcess, api: Api, hook: TestServer, server: TestServer
) -> None:
    customer_id = processing_customer(emu, api, server)
    verify_customer(api, customer_id, "TAX_VERIFICATION_FAILED")
    received = wait_for(lambda: hook.received())[0]
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["X-TIMESTAMP"].isdigit()
    assert abs(int(received.headers["X-TIMESTAMP"]) - time.time()) < 60
    assert verify_webhook(api.api_key, api.api_secret, received.headers, received.body)
    assert not verify_webhook(api.api_key, "other-secret", received.headers, received.body)
    payload = received.json
    assert received.body == (
        b'{"event":"FAILED","id":"%s","metadata":{"failure_reason":"TAX_VERIFICATION_FAILED"},'
        b'"timestamp":"%s","type":"CUSTOMER"}'
        % (customer_id.encode(), payload["timestamp"].encode())
    )
    assert ISO_UTC.match(payload["timestamp"])
    assert "X-API-KEY" not in received.headers


def test_each_org_gets_its_own_events(
    emu: EmulatorProcess, api: Api, other_api: Api, server: TestServer
) -> None:
    api.ok("POST", WEBHOOK_CONFIG, {"webhook_url": server.url("/hooks/one")})
    other_api.ok("POST", WEBHOOK_CONFIG, {"webhook_url": server.url("/hooks/two")})
    emu.config(auto_decision=False)
    customer = create_customer(other_api)
    other_api.ok("POST", "/kyc/add-kyc-data", kyc_body(customer["id"], server))
    verify_customer(other_api, customer["id"])
    received = wait_for(lambda: server.received("two"))[0]
    assert verify_webhook(other_api.api_key, other_api.api_secret, received.headers, received.body)
    assert server.received("one") == []


def test_retry_with_backoff_then_success(
    emu: EmulatorProcess, api: Api, hook: TestServer, server: TestServer
) -> None:
    hook.script("main", [500, 503])
    customer_id = processing_customer(emu, api, server)
    verify_customer(api, customer_id)
    attempts = hook.wait_received(3)
    # Every attempt is signed afresh and valid for its own timestamp.
    assert all(verify_webhook(api.api_key, api.api_secret, r.headers, r.body) for r in attempts)
    assert len({r.body for r in attempts}) == 1
    delivery = wait_for(lambda: [d for d in emu.deliveries() if d["status"] == "delivered"])[0]
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]


def test_gives_up_after_the_last_retry(
    emu: EmulatorProcess, api: Api, hook: TestServer, server: TestServer
) -> None:
    hook.script("main", [500, 500, 500, 500])
    customer_id = processing_customer(emu, api, server)
    verify_customer(api, customer_id)
    delivery = wait_for(lambda: [d for d in emu.deliveries() if d["status"] == "failed"])[0]
    assert len(delivery["attempts"]) == 3  # first try + the two configured retries
    assert len(hook.received()) == 3


def test_unreachable_receiver_is_retried(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    api.ok("POST", WEBHOOK_CONFIG, {"webhook_url": "http://127.0.0.1:9/hook"})
    customer_id = processing_customer(emu, api, server)
    verify_customer(api, customer_id)
    delivery = wait_for(lambda: [d for d in emu.deliveries() if d["status"] == "failed"])[0]
    assert [a["error"] for a in delivery["attempts"]] == ["ConnectionError"] * 3


def test_duplicates(emu: EmulatorProcess, api: Api, hook: TestServer, server: TestServer) -> None:
    emu.config(webhook_duplicates=2)
    customer_id = processing_customer(emu, api, server)
    verify_customer(api, customer_id)
    received = hook.wait_received(3)
    assert len({r.body for r in received}) == 1


def test_hold_and_release_in_reverse(
    emu: EmulatorProcess, api: Api, hook: TestServer, server: TestServer
) -> None:
    emu.config(hold_webhooks=True)
    first = processing_customer(emu, api, server)
    second = processing_customer(emu, api, server)
    verify_customer(api, first)
    verify_customer(api, second, "DOCUMENT_VERIFICATION_FAILED")
    assert [d["status"] for d in emu.deliveries()] == ["held", "held"]
    assert hook.received() == []
    released = emu.release("reverse")
    assert len(released) == 2
    received = hook.wait_received(2)
    assert [r.json["id"] for r in received] == [second, first]


def test_release_fifo(emu: EmulatorProcess, api: Api, hook: TestServer, server: TestServer) -> None:
    emu.config(hold_webhooks=True)
    ids = [processing_customer(emu, api, server) for _ in range(3)]
    for customer_id in ids:
        verify_customer(api, customer_id)
    emu.release("fifo")
    received = hook.wait_received(3)
    assert [r.json["id"] for r in received] == ids


def test_no_url_means_no_delivery(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    customer_id = processing_customer(emu, api, server)
    verify_customer(api, customer_id)
    assert [d["status"] for d in emu.deliveries()] == ["no_url"]


def test_send_arbitrary_and_stale_events(emu: EmulatorProcess, api: Api, hook: TestServer) -> None:
    delivery = emu.send_webhook(
        "PAYOUT", "p-1", "SUCCESS", {"utr": "RATN12341234XYZ"}, timestamp="2024-03-13T10:00:00Z"
    )
    assert delivery["status"] == "delivered"
    received = hook.received()[0]
    assert received.json == {
        "type": "PAYOUT",
        "id": "p-1",
        "event": "SUCCESS",
        "timestamp": "2024-03-13T10:00:00Z",
        "metadata": {"utr": "RATN12341234XYZ"},
    }
    assert verify_webhook(api.api_key, api.api_secret, received.headers, received.body)
    emu.send_webhook("CUSTOMER", "c-1", "VERIFIED", signed_at=1752670745)
    stale = hook.received()[1]
    assert stale.headers["X-TIMESTAMP"] == "1752670745"
    assert verify_webhook(api.api_key, api.api_secret, stale.headers, stale.body)


def test_send_for_another_org(emu: EmulatorProcess, other_api: Api, server: TestServer) -> None:
    other_api.ok("POST", WEBHOOK_CONFIG, {"webhook_url": server.url("/hooks/other")})
    emu.send_webhook("BANK", "b-1", "VERIFIED", org="other-key")
    received = server.received("other")[0]
    assert verify_webhook(other_api.api_key, other_api.api_secret, received.headers, received.body)
