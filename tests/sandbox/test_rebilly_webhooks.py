"""Rebilly emulator: webhook credentials and subscriptions, Basic-auth deliveries, retries,
duplicates, held and out-of-order deliveries, tracking logs and resend."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from sandbox.rebilly.process import RebillyEmulatorProcess
from tests.sandbox.dollarpe_support import TestServer, wait_for
from tests.sandbox.rebilly_support import (
    RebillyApi,
    basic,
    events_of,
    link,
    subscribe,
    wait_status,
    webhooks,
)

FULFILLED = ["kyc-request-fulfilled"]


def _credential(rapi: RebillyApi, server: TestServer, **auth: str) -> dict[str, Any]:
    body = {
        "type": "webhook",
        "host": urlsplit(server.base_url).hostname,
        "auth": auth or {"type": "basic", "username": "rebilly", "password": "superman"},
    }
    return dict(rapi.ok("POST", "/service-credentials/webhook", body, status=201))


def _webhook_body(url: str, credential: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {"method": "POST", "url": url, "credentialHash": credential["id"]}
    body.update(extra)
    return body


def _fulfil(rapi: RebillyApi) -> dict[str, Any]:
    """A request fulfilled at once (the credit-file rule): one kyc-request-fulfilled event."""
    customer = rapi.customer("accept")
    return dict(rapi.kyc_request(customer["id"], {"type": "credit-file-proof"}))


def test_an_identical_credential_answers_303(rapi: RebillyApi, server: TestServer) -> None:
    created = _credential(rapi, server)
    assert created["id"].startswith("crd_")
    assert (created["hash"], created["status"], created["type"]) == (
        created["id"],
        "active",
        "webhook",
    )
    body = {"type": "webhook", "host": created["host"], "auth": created["auth"]}
    again = rapi.call("POST", "/service-credentials/webhook", body)
    assert again.status == 303
    assert again.body["id"] == created["id"]
    assert again.headers["Location"].endswith(f"/service-credentials/webhook/{created['id']}")
    assert rapi.ok("GET", f"/service-credentials/webhook/{created['id']}") == created
    other = {**body, "auth": {"type": "basic", "username": "rebilly", "password": "other"}}
    assert rapi.call("POST", "/service-credentials/webhook", other).status == 201
    assert len(rapi.ok("GET", "/service-credentials/webhook")) == 2
    bad = rapi.call(
        "POST",
        "/service-credentials/webhook",
        {"type": "webhook", "host": "bad host!", "auth": {"type": "basic"}},
        valid=False,
    )
    assert set(bad.fields()) == {"host", "auth.username", "auth.password"}


def test_the_request_log_never_shows_a_credential_password(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    # The webhook password is ours (Rebilly sends it back to us): the unauthenticated control
    # API must not hand it out, neither from the request nor from the answer that repeats it.
    _credential(rapi, server)
    logged = [e for e in reb.requests() if e["path"].endswith("/service-credentials/webhook")]
    assert [(e["body"]["auth"]["password"], e["response"]["auth"]["password"]) for e in logged] == [
        ("********", "********")
    ]
    assert "superman" not in json.dumps(reb.requests())


def test_webhook_subscriptions(rapi: RebillyApi, server: TestServer) -> None:
    credential = _credential(rapi, server)
    url = server.url("/hooks/rebilly")
    reply = rapi.call("POST", "/webhooks", _webhook_body(url, credential, eventsFilter=FULFILLED))
    assert reply.status == 201
    hook = reply.body
    assert hook["id"].startswith("hook_")
    assert (hook["status"], hook["eventsFilter"], hook["headers"]) == ("active", FULFILLED, [])
    assert reply.headers["Location"].endswith(f"/webhooks/{hook['id']}")
    assert rapi.ok("GET", f"/webhooks/{hook['id']}") == hook
    # Same method and URL while active: a conflict.
    duplicate = rapi.call("POST", "/webhooks", _webhook_body(url, credential))
    assert (duplicate.status, duplicate.problem["title"]) == (409, "Conflict")
    # PUT updates, or creates with our id.
    changed = rapi.ok(
        "PUT", f"/webhooks/{hook['id']}", _webhook_body(url, credential, status="inactive")
    )
    assert changed["status"] == "inactive"
    created = rapi.call("PUT", "/webhooks/hook-mine", _webhook_body(url, credential))
    assert created.status == 201
    assert [h["id"] for h in rapi.ok("GET", "/webhooks")] == [hook["id"], "hook-mine"]
    assert rapi.call("DELETE", f"/webhooks/{hook['id']}").status == 204
    assert rapi.call("GET", f"/webhooks/{hook['id']}").status == 404


def test_invalid_webhooks(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    credential = _credential(rapi, server)
    reply = rapi.call("POST", "/webhooks", {}, valid=False)
    assert reply.fields() == {
        "method": "This value should not be blank.",
        "url": "This value should not be blank.",
        "credentialHash": "This value should not be blank.",
    }
    bad = {
        "method": "FETCH",
        "url": "ftp://files.example",
        "credentialHash": "crd_nope",
        "eventsFilter": ["kyc-document-accepted", "kyc-request-exploded"],
        "headers": [{"name": "X Bad", "value": "v"}],
    }
    assert set(rapi.call("POST", "/webhooks", bad, valid=False).fields()) == {
        "method",
        "url",
        "credentialHash",
        "eventsFilter.1",
        "headers.0.name",
    }
    # At most max_active_webhooks active (25 by default; 2 here to keep it short).
    assert reb.config()["max_active_webhooks"] == 25
    reb.config(max_active_webhooks=2)
    for n in range(2):
        rapi.ok(
            "POST", "/webhooks", _webhook_body(server.url(f"/hooks/n{n}"), credential), status=201
        )
    full = rapi.call("POST", "/webhooks", _webhook_body(server.url("/hooks/n3"), credential))
    assert full.fields() == {"status": "At most 2 webhooks can be active."}
    inactive = _webhook_body(server.url("/hooks/n3"), credential, status="inactive")
    assert rapi.call("POST", "/webhooks", inactive).status == 201


def test_a_delivery_carries_basic_auth_and_the_event(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    headers = [
        {"name": "X-Tenant", "value": "shop-7", "status": "active"},
        {"name": "X-Off", "value": "no", "status": "inactive"},
    ]
    subscribe(rapi, server, events=FULFILLED, headers=headers)
    kyc = _fulfil(rapi)
    [body] = webhooks(server, 1)
    [received] = server.received("rebilly")
    assert received.headers["Authorization"] == basic()
    assert received.headers["X-Tenant"] == "shop-7"
    assert "X-Off" not in received.headers
    assert (body["eventType"], body["kycRequestId"]) == ("kyc-request-fulfilled", kyc["id"])
    assert body["customerId"] == kyc["customerId"]
    assert body["_embedded"]["kycRequest"]["status"] == "fulfilled"
    assert body["_embedded"]["customer"]["id"] == kyc["customerId"]
    assert [item["rel"] for item in body["_links"]] == ["customer", "kycRequest"]


def test_a_credential_without_auth_sends_no_authorization(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    credential = _credential(rapi, server, type="none")
    body = _webhook_body(server.url("/hooks/plain"), credential, eventsFilter=FULFILLED)
    rapi.ok("POST", "/webhooks", body, status=201)
    _fulfil(rapi)
    webhooks(server, 1, "plain")
    [received] = server.received("plain")
    assert "Authorization" not in received.headers


def test_events_filter_and_all_events(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server, "all")
    subscribe(rapi, server, "fulfilled", events=FULFILLED)
    _fulfil(rapi)
    assert events_of(webhooks(server, 3, "all")) == [
        "kyc-document-created",
        "kyc-document-accepted",
        "kyc-request-fulfilled",
    ]
    assert events_of(webhooks(server, 1, "fulfilled")) == FULFILLED


def test_a_failed_delivery_is_retried_until_2xx(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server, events=FULFILLED)
    server.script("rebilly", [500, 503])
    _fulfil(rapi)
    bodies = webhooks(server, 3)
    assert len({b["kycRequestId"] for b in bodies}) == 1
    [delivery] = wait_for(lambda: [d for d in reb.deliveries() if d["status"] == "delivered"])
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    assert [a["attempt"] for a in delivery["attempts"]] == [1, 2, 3]
    assert delivery["attempts"][0]["requestHeaders"]["Authorization"] == "Basic ********"


def test_a_delivery_gives_up_after_the_last_retry(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server, events=FULFILLED)
    server.script("rebilly", [500, 500, 500])
    _fulfil(rapi)
    webhooks(server, 3)
    [delivery] = wait_for(lambda: [d for d in reb.deliveries() if d["status"] == "failed"])
    assert len(delivery["attempts"]) == 3  # the first try and the two retry delays
    # Tracking logs, and a resend through the API.
    logs = rapi.ok(
        "GET", "/tracking/webhooks", params={"filter": "eventType:kyc-request-fulfilled"}
    )
    assert [log["status"] for log in logs] == [500, 500, 500]
    assert logs[0]["source"] == "webhooks"
    assert logs[0]["attempt"] == 1
    assert rapi.ok("GET", f"/tracking/webhooks/{logs[0]['id']}") == logs[0]
    reply = rapi.call("POST", f"/tracking/webhooks/{logs[-1]['id']}/resend")
    assert (reply.status, reply.body) == (204, None)
    webhooks(server, 4)
    wait_for(lambda: reb.deliveries()[0]["status"] == "delivered")
    assert rapi.call("POST", "/tracking/webhooks/hook_log_nope/resend").status == 404


def test_an_unreachable_receiver_is_recorded(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    credential = _credential(rapi, server)
    body = _webhook_body("http://127.0.0.1:9/hooks/closed", credential, eventsFilter=FULFILLED)
    rapi.ok("POST", "/webhooks", body, status=201)
    _fulfil(rapi)
    [delivery] = wait_for(lambda: [d for d in reb.deliveries() if d["status"] == "failed"])
    assert [a["status"] for a in delivery["attempts"]] == [0, 0, 0]
    assert "no answer" in delivery["attempts"][0]["response"]


def test_duplicate_deliveries(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    reb.config(duplicate_deliveries=True)
    subscribe(rapi, server, events=FULFILLED)
    _fulfil(rapi)
    first, second = webhooks(server, 2)
    assert first == second


def test_held_deliveries_released_in_reverse(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    reb.config(hold_deliveries=True, decision_delay=0)
    subscribe(rapi, server, events=["kyc-request-attempted", "kyc-request-fulfilled"])
    kyc = rapi.kyc_request(rapi.customer()["id"], {"type": "identity-proof"})
    reb.gatherer_submit(link(kyc), {"identity-proof": "reject:document-expired"})
    reb.gatherer_submit(link(kyc), {"identity-proof": "accept"})
    wait_status(rapi, kyc["id"], "fulfilled")
    time.sleep(0.3)
    assert server.received("rebilly") == []
    held = reb.deliveries(status="held")
    assert [d["event_type"] for d in held] == ["kyc-request-attempted", "kyc-request-fulfilled"]
    assert reb.release("reverse") == [held[1]["id"], held[0]["id"]]
    bodies = webhooks(server, 2)
    assert events_of(bodies) == ["kyc-request-fulfilled", "kyc-request-attempted"]
    # A receiver orders them by revision, as Rebilly advises.
    revisions = [b["_embedded"]["kycRequest"]["revision"] for b in bodies]
    assert revisions[0] > revisions[1]


def test_held_deliveries_released_in_order(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    reb.config(hold_deliveries=True)
    subscribe(rapi, server)
    _fulfil(rapi)
    assert len(reb.release("sent")) == 3
    assert events_of(webhooks(server, 3)) == [
        "kyc-document-created",
        "kyc-document-accepted",
        "kyc-request-fulfilled",
    ]
    assert reb.release() == []
