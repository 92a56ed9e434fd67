"""Qolo emulator: webhook subscriptions (the activation ping, PUT, paging), signed deliveries
checked against a fixed HMAC test vector, the three envelopes, retries up to 6, duplicates,
held and reversed deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from sandbox.qolo.process import QoloEmulatorProcess
from sandbox.qolo.webhooks import sign
from tests.sandbox.conftest import QOLO_CDD
from tests.sandbox.dollarpe_support import TestServer, wait_for
from tests.sandbox.qolo_support import (
    SDD_PROGRAM,
    SECRET,
    TEXTBOOK_VECTOR,
    WEBHOOK_VECTOR,
    QoloApi,
    events,
    signature,
    subscribe,
    verified,
)
from tests.support import qolo_spec

FORMATS = Draft202012Validator.FORMAT_CHECKER


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a receiver that hangs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def _delivered(
    qolo_sandbox: QoloEmulatorProcess, count: int, **filters: str
) -> list[dict[str, Any]]:
    def done() -> list[dict[str, Any]]:
        found = qolo_sandbox.deliveries(**filters)
        finished = [d for d in found if d["status"] in ("delivered", "failed", "cancelled")]
        return found if len(finished) >= count else []

    return wait_for(done)


@pytest.mark.parametrize("vector", [TEXTBOOK_VECTOR, WEBHOOK_VECTOR], ids=["textbook", "webhook"])
def test_the_signature_test_vectors(vector: tuple[bytes, bytes, str]) -> None:
    key, body, expected = vector
    assert hmac.new(key, body, hashlib.sha256).hexdigest() == expected
    assert sign(key.decode(), body) == expected


def test_a_subscription_is_pinged_and_activated(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    created = subscribe(qapi, server, QOLO_CDD, events=["person.created"])
    assert created["active"] is True
    assert str(uuid.UUID(created["notification_guid"])) == created["notification_guid"]
    assert (created["secret"], created["event_type"], created["headers"]) == (
        SECRET,
        ["person.created"],
        None,
    )
    [ping] = server.received("qolo")
    body = verified(ping)
    assert body["event_type"] == "ping"
    assert body["notification_guid"] == created["notification_guid"]
    assert ping.headers["x-qolo-signature"] == signature(SECRET, ping.body)
    [recorded] = qolo_sandbox.deliveries(event_type="ping")
    assert (recorded["status"], [a["status"] for a in recorded["attempts"]]) == ("delivered", [200])
    assert recorded["body"] == ping.body.decode()
    guid = created["notification_guid"]
    assert qapi.ok("GET", f"/webhooks/{guid}") == created


def test_a_failed_ping_leaves_it_inactive(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer, silent_port: int
) -> None:
    server.script("down", [500])
    assert subscribe(qapi, server, QOLO_CDD, "down")["active"] is False
    # Only HTTP 200 acknowledges.
    server.script("nocontent", [204])
    assert subscribe(qapi, server, QOLO_CDD, "nocontent")["active"] is False
    qolo_sandbox.config(webhook_timeout=0.3)
    body = {
        "program_guid": QOLO_CDD,
        "url": f"http://127.0.0.1:{silent_port}/hook",
        "event_type": ["all"],
    }
    hanging = qapi.ok("POST", "/webhooks", body, status=201)
    assert hanging["active"] is False
    [timed_out] = [
        d
        for d in qolo_sandbox.deliveries(event_type="ping")
        if d["notification_guid"] == hanging["notification_guid"]
    ]
    assert timed_out["attempts"][0]["error"] == "ReadTimeout: no answer"
    # Inactive subscriptions get nothing; asking for inactive skips the ping.
    quiet = subscribe(qapi, server, QOLO_CDD, "quiet", active=False)
    assert quiet["active"] is False
    qapi.create(QOLO_CDD)
    assert server.received("quiet") == []
    assert len(server.received("down")) == 1
    assert qolo_sandbox.deliveries(event_type="person.created") == []


def test_update_a_subscription(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    server.script("first", [500])
    created = subscribe(qapi, server, QOLO_CDD, "first")
    guid = created["notification_guid"]
    change = {**created, "event_type": ["person.updated"], "active": True}
    reply = qapi.call("PUT", f"/webhooks/{guid}", change)
    assert (reply.status, reply.body) == (200, None)  # the spec's 200 has no body
    assert len(server.received("first")) == 2  # asked active again: pinged again
    assert qapi.ok("GET", f"/webhooks/{guid}")["active"] is True
    moved = {**change, "url": server.url("/hooks/second"), "active": None}
    qapi.ok("PUT", f"/webhooks/{guid}", moved)
    assert len(server.received("second")) == 1  # a new URL: pinged
    off = {**moved, "active": False}
    qapi.ok("PUT", f"/webhooks/{guid}", off)
    assert qapi.ok("GET", f"/webhooks/{guid}") == {**off, "notification_guid": guid}
    missing = qapi.call("PUT", f"/webhooks/{uuid.uuid4()}", off)
    assert (missing.status, missing.problem["detail"]) == (404, "Webhook not found")
    assert qapi.call("GET", f"/webhooks/{uuid.uuid4()}").problem["detail"] == "Webhook not found"


def test_invalid_subscriptions(qapi: QoloApi, server: TestServer) -> None:
    assert qapi.call("POST", "/webhooks", {}, valid=False).errors == {
        "event_type": ["The event_type field is required."],
        "program_guid": ["The program_guid field is required."],
        "url": ["The url field is required."],
    }
    bad = {
        "program_guid": QOLO_CDD,
        "url": "ftp://files.example/hook",
        "event_type": ["person.created", "person.exploded"],
        "headers": "not a header",
        "retries": 3,
    }
    assert set(qapi.call("POST", "/webhooks", bad, valid=False).errors) == {
        "url",
        "event_type[1]",
        "headers",
        "retries",
    }
    empty = {"program_guid": QOLO_CDD, "url": server.url("/hooks/x"), "event_type": []}
    assert list(qapi.call("POST", "/webhooks", empty).errors) == ["event_type"]
    unknown = {**empty, "event_type": ["all"], "program_guid": str(uuid.uuid4())}
    reply = qapi.call("POST", "/webhooks", unknown)
    assert (reply.status, reply.problem["detail"]) == (404, "Program not found")
    assert server.received("x") == []


def test_subscriptions_are_paged(qapi: QoloApi, server: TestServer) -> None:
    made = [subscribe(qapi, server, QOLO_CDD, f"page{n}") for n in range(3)]
    first = qapi.ok("GET", "/webhooks", params={"limit": 2})
    assert (first["count"], first["start_index"], first["end_index"], first["has_more"]) == (
        2,
        1,
        2,
        True,
    )
    assert first["data"] == made[:2]
    rest = qapi.ok("GET", "/webhooks", params={"limit": 2, "start_index": 3})
    assert (rest["count"], rest["end_index"], rest["has_more"], rest["data"]) == (
        1,
        3,
        False,
        made[2:],
    )
    assert list(qapi.call("GET", "/webhooks", params={"limit": "ten"}).errors) == ["limit"]
    assert list(qapi.call("GET", "/webhooks", params={"start_index": 0}).errors) == ["start_index"]


def test_the_data_envelope_and_extra_headers(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    subscribe(qapi, server, SDD_PROGRAM, headers='{"X-Tenant": "shop-7"}')
    subscribe(qapi, server, SDD_PROGRAM, "lines", headers="X-One: 1; X-Two: two")
    created = qapi.create(SDD_PROGRAM)
    bodies = events(server, 2)
    assert [b["event_type"] for b in bodies] == ["person.created", "person.verification.success"]
    for body in bodies:
        assert set(body) == {"event_type", "event_guid", "created", "data"}
        qolo_spec.schema("PersonDTO").validate(body["data"])
        assert body["data"] == created
        assert FORMATS.conforms(body["created"], "date-time")
    assert bodies[0]["event_guid"] != bodies[1]["event_guid"]
    received = [r for r in server.received("qolo") if r.json["event_type"] != "ping"]
    assert {r.headers["X-Tenant"] for r in received} == {"shop-7"}
    assert {r.headers["User-Agent"] for r in received} == {"Qolo-Webhooks/sandbox"}
    # One event, one body: every subscription gets the same bytes.
    assert events(server, 2, "lines") == bodies
    assert {r.headers["X-Two"] for r in server.received("lines")} == {"two"}


@pytest.mark.parametrize("envelope", ["flat", "nested"])
def test_the_other_envelopes(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer, envelope: str
) -> None:
    qolo_sandbox.config(webhook_envelope=envelope)
    subscribe(qapi, server, SDD_PROGRAM, events=["person.created"])
    created = qapi.create(SDD_PROGRAM)
    [body] = events(server, 1)
    if envelope == "flat":
        assert set(body) == {"event_type", "event_guid", "created", "person_guid"}
        assert body["person_guid"] == created["person_guid"]
    else:
        assert body == {"event_type": "person.created", "data": {"person_details": created}}


def test_events_follow_program_and_filter(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    subscribe(qapi, server, SDD_PROGRAM, "sdd")
    subscribe(qapi, server, QOLO_CDD, "created", events=["person.created"])
    subscribe(qapi, server, QOLO_CDD, "all")
    failed = qapi.create(QOLO_CDD, govt_id_number="5550000")  # EID fails: no failure event
    guid = failed["person_guid"]
    assert [b["event_type"] for b in events(server, 1, "all")] == ["person.created"]
    qolo_sandbox.decide(guid, "CLEARED")
    types = [b["event_type"] for b in events(server, 3, "all")]
    assert types == ["person.created", "person.updated", "person.verification.success"]
    assert [b["event_type"] for b in events(server, 1, "created")] == ["person.created"]
    assert events(server, 0, "sdd") == []
    # PUT /persons changes no status: no event.
    qapi.ok("PUT", "/persons", {"person_guid": guid, "email": "new@example.com"})
    sent = qolo_sandbox.send_webhook("person.updated", guid)
    assert sent["deliveries"]
    [last] = events(server, 4, "all")[3:]
    assert (last["event_type"], last["data"]["email"]) == ("person.updated", "new@example.com")


def test_retries_until_an_http_200(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    subscribe(qapi, server, SDD_PROGRAM, events=["person.created"])
    server.script("qolo", [500, 204, 200])
    qapi.create(SDD_PROGRAM)
    [delivery] = _delivered(qolo_sandbox, 1, event_type="person.created")
    assert delivery["status"] == "delivered"
    assert [a["status"] for a in delivery["attempts"]] == [500, 204, 200]
    assert [a["attempt"] for a in delivery["attempts"]] == [1, 2, 3]
    bodies = events(server, 3)
    assert len({json.dumps(b, sort_keys=True) for b in bodies}) == 1  # the same body each time


def test_at_most_six_retries(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    qolo_sandbox.config(webhook_retry_delays=[0.05] * 6)
    subscribe(qapi, server, SDD_PROGRAM, events=["person.created"])
    server.script("qolo", [503] * 10)
    qapi.create(SDD_PROGRAM)
    [delivery] = _delivered(qolo_sandbox, 1, event_type="person.created")
    assert delivery["status"] == "failed"
    assert [a["status"] for a in delivery["attempts"]] == [503] * 7  # the first and 6 retries
    response = requests.patch(
        qolo_sandbox.base_url + "/_sandbox/config",
        json={"webhook_retry_delays": [1] * 7},
        timeout=5,
    )
    assert response.status_code == 400
    assert "at most 6" in response.json()["errors"]["webhook_retry_delays"]


def test_duplicate_deliveries(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    qolo_sandbox.config(duplicate_deliveries=True)
    subscribe(qapi, server, SDD_PROGRAM, events=["person.created"])
    qapi.create(SDD_PROGRAM)
    first, second = events(server, 2)
    assert first == second
    assert [d["copy"] for d in qolo_sandbox.deliveries(event_type="person.created")] == [0, 1]


def test_held_deliveries_released_in_reverse(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    qolo_sandbox.config(hold_deliveries=True)
    subscribe(qapi, server, SDD_PROGRAM)  # the ping is never held
    guids = [qapi.create(SDD_PROGRAM)["person_guid"] for _ in range(2)]
    assert events(server, 0) == []
    held = qolo_sandbox.deliveries(status="held")
    assert len(held) == 4
    released = qolo_sandbox.release("reverse")
    assert released == [d["id"] for d in reversed(held)]
    bodies = events(server, 4)
    assert [(b["event_type"], b["data"]["person_guid"]) for b in bodies] == [
        ("person.verification.success", guids[1]),
        ("person.created", guids[1]),
        ("person.verification.success", guids[0]),
        ("person.created", guids[0]),
    ]
    assert qolo_sandbox.release() == []


def test_a_deactivated_subscription_gets_nothing_more(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    qolo_sandbox.config(hold_deliveries=True)
    created = subscribe(qapi, server, SDD_PROGRAM, events=["person.created"])
    qapi.create(SDD_PROGRAM)
    qapi.ok("PUT", f"/webhooks/{created['notification_guid']}", {**created, "active": False})
    qolo_sandbox.release()
    [delivery] = _delivered(qolo_sandbox, 1, event_type="person.created")
    assert delivery["status"] == "cancelled"
    assert events(server, 0) == []


def test_creating_a_subscription_is_idempotent(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    body = {
        "program_guid": QOLO_CDD,
        "url": server.url("/hooks/qolo"),
        "event_type": ["all"],
        "secret": SECRET,
    }
    first = qapi.call("POST", "/webhooks", body, idempotency_key="hook-1")
    again = qapi.call("POST", "/webhooks", body, idempotency_key="hook-1")
    assert (again.status, again.body) == (201, first.body)
    assert qapi.ok("GET", "/webhooks")["count"] == 1
    assert len(server.received("qolo")) == 1  # one ping
