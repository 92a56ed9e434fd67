"""Webhooks (fact sheet §7): subscriptions, the activation ping, signed deliveries, retries.

A subscription (NotificationConfigurationDTO) belongs to a program and lists event types
(`all` matches every one). Creating it pings its URL at once: a signed POST of
`{event_type: "ping", event_guid, created, notification_guid}` within `webhook_timeout`
(5 s); an HTTP 200 makes it `active`, anything else inactive (`active: false` in the body
skips the ping). A PUT pings again when the URL changes or `active: true` is asked of an
inactive subscription (the emulator's choice; Qolo says to contact them).

An event is sent to every active subscription of the person's program that wants it. The
body depends on `webhook_envelope` (open question 8):
    data   {event_type, event_guid, created, data: PersonDTO}          (default)
    flat   {event_type, event_guid, created, person_guid}
    nested {event_type, data: {person_details: PersonDTO}}
`x-qolo-signature` is the lowercase hex HMAC-SHA256 of the raw body keyed with the
subscription's secret (no secret: no header); the subscription's `headers` are added. Only
HTTP 200 acknowledges; anything else (or no answer within `webhook_timeout`) is retried
after each of `webhook_retry_delays` (at most 6), then the delivery fails. Every attempt is
recorded. `duplicate_deliveries` sends each delivery twice (same event_guid, same body);
`hold_deliveries` keeps them until `/_sandbox/webhooks/release` (in order or reversed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from sandbox.common.redact import strip_query
from sandbox.qolo import vocabulary as v
from sandbox.qolo.dtos import Binder
from sandbox.qolo.problems import Errors, Problem, program_not_found
from sandbox.qolo.rendering import person_dto
from sandbox.qolo.runtime import Runtime, iso, new_guid, now_iso
from sandbox.qolo.state import Person

log = logging.getLogger(__name__)

DELIVER_JOB = "deliver"
SIGNATURE_HEADER = "x-qolo-signature"
USER_AGENT = "Qolo-Webhooks/sandbox"

PENDING = "pending"
HELD = "held"
DELIVERED = "delivered"
FAILED = "failed"
CANCELLED = "cancelled"

_SUBSCRIBABLE = frozenset(v.EVENT_TYPES)


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def not_found() -> Problem:
    return Problem(404, "Webhook not found")


# --- subscriptions --------------------------------------------------------------------------


def parse_headers(text: str) -> dict[str, str] | None:
    """The `headers` string: a JSON object, or `Name: value` lines (newline or `;`)."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        if not isinstance(parsed, dict) or not all(isinstance(x, str) for x in parsed.values()):
            return None
        return {str(k): str(x) for k, x in parsed.items()}
    found: dict[str, str] = {}
    for line in filter(None, (part.strip() for part in text.replace(";", "\n").splitlines())):
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            return None
        found[name.strip()] = value.strip()
    return found


def _bound(rt: Runtime, body: Any) -> dict[str, Any]:
    binder = Binder()
    bound = binder.dto(body, "NotificationConfigurationDTO")
    errors: Errors = {}
    url = bound.get("url")
    if isinstance(url, str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["url"] = ["The url field is not a valid fully-qualified http or https URL."]
    events = bound.get("event_type")
    if isinstance(events, list):
        if not events:
            errors["event_type"] = ["The event_type field needs at least one event type."]
        for index, name in enumerate(events):
            if name is not None and name not in _SUBSCRIBABLE:
                errors[f"event_type[{index}]"] = [f"'{name}' is not a known event type."]
    if isinstance(bound.get("headers"), str) and parse_headers(bound["headers"]) is None:
        errors["headers"] = ["The headers field must be a JSON object or 'Name: value' lines."]
    for path, messages in errors.items():
        for message in messages:
            binder.add(path, message)
    binder.done()
    if rt.program(bound["program_guid"]) is None:
        raise program_not_found()
    return bound


def _ping(rt: Runtime, record: dict[str, Any]) -> bool:
    """The activation check: one signed POST, recorded as a delivery; True on HTTP 200."""
    stamp = time.time()
    body = {
        "event_type": v.PING,
        "event_guid": new_guid(),
        "created": iso(stamp),
        "notification_guid": record["notification_guid"],
    }
    text = json.dumps(body, separators=(",", ":"))
    delivery_id = rt.store.add_delivery(
        record["notification_guid"],
        v.PING,
        body["event_guid"],
        None,
        copy=0,
        status=PENDING,
        body=text,
    )
    attempt = _post(rt, record, text, 1)
    ok = attempt["status"] == 200
    rt.store.update_delivery(delivery_id, DELIVERED if ok else FAILED, attempt)
    return ok


def create(rt: Runtime, body: Any) -> dict[str, Any]:
    bound = _bound(rt, body)
    record = {
        "notification_guid": new_guid(),
        "program_guid": bound["program_guid"],
        "url": bound["url"],
        "headers": bound.get("headers"),
        "secret": bound.get("secret"),
        "active": False,
        "event_type": list(bound["event_type"]),
    }
    if bound.get("active") is not False:
        record["active"] = _ping(rt, record)
    rt.store.save_subscription(record)
    return record


def update(rt: Runtime, guid: str, body: Any) -> dict[str, Any]:
    record = rt.store.subscription(guid)
    if record is None:
        raise not_found()
    bound = _bound(rt, body)
    moved = bound["url"] != record["url"]
    was_active = bool(record["active"])
    record.update(
        {
            "program_guid": bound["program_guid"],
            "url": bound["url"],
            "headers": bound.get("headers"),
            "secret": bound.get("secret"),
            "event_type": list(bound["event_type"]),
        }
    )
    wanted = bound.get("active")
    if wanted is False:
        record["active"] = False
    elif moved or (wanted is True and not was_active):
        record["active"] = _ping(rt, record)
    rt.store.save_subscription(record)
    return record


def load(rt: Runtime, guid: str) -> dict[str, Any]:
    record = rt.store.subscription(guid)
    if record is None:
        raise not_found()
    return record


def listing(rt: Runtime, limit: int, start_index: int) -> dict[str, Any]:
    """NotificationConfigurationDTOSearchResponse: `start_index` counts from 1."""
    records = rt.store.subscriptions()
    page = records[start_index - 1 : start_index - 1 + limit]
    return {
        "count": len(page),
        "start_index": start_index,
        "end_index": start_index - 1 + len(page),
        "has_more": start_index - 1 + len(page) < len(records),
        "data": page,
    }


# --- events and deliveries ------------------------------------------------------------------


def envelope(rt: Runtime, event_type: str, event_guid: str, person: Person) -> dict[str, Any]:
    style = rt.config.webhook_envelope
    if style == "nested":
        return {"event_type": event_type, "data": {"person_details": person_dto(person)}}
    body: dict[str, Any] = {"event_type": event_type, "event_guid": event_guid}
    body["created"] = now_iso()
    if style == "flat":
        body["person_guid"] = person.guid
    else:
        body["data"] = person_dto(person)
    return body


def _wants(record: dict[str, Any], event_type: str) -> bool:
    return bool(record["active"]) and (
        event_type in record["event_type"] or "all" in record["event_type"]
    )


def emit(rt: Runtime, event_type: str, person: Person) -> list[int]:
    """Queue a delivery of the event to every active subscription of the person's program."""
    config = rt.config
    event_guid = new_guid()
    text = json.dumps(envelope(rt, event_type, event_guid, person), separators=(",", ":"))
    made: list[int] = []
    with rt.store.transaction():
        for record in rt.store.subscriptions(person.program_guid):
            if not _wants(record, event_type):
                continue
            for copy in range(2 if config.duplicate_deliveries else 1):
                status = HELD if config.hold_deliveries else PENDING
                delivery_id = rt.store.add_delivery(
                    record["notification_guid"],
                    event_type,
                    event_guid,
                    person.guid,
                    copy=copy,
                    status=status,
                    body=text,
                )
                made.append(delivery_id)
                if status == PENDING:
                    job = {"delivery_id": delivery_id}
                    rt.queue(DELIVER_JOB, job, at=time.time(), subject=person.guid)
    log.info("event %s of %s -> %d delivery(ies)", event_type, person.guid, len(made))
    return made


def release(rt: Runtime, order: str) -> list[int]:
    """Send the held deliveries now, in the order they were made ("sent") or reversed."""
    with rt.store.transaction():
        held = [delivery["id"] for delivery in rt.store.deliveries(status=HELD)]
        if order == "reverse":
            held.reverse()
        due = time.time()
        for delivery_id in held:
            rt.store.update_delivery(delivery_id, PENDING)
            # One due time for all: the job thread runs them in the order queued here.
            rt.queue(DELIVER_JOB, {"delivery_id": delivery_id}, at=due, subject=None)
    return held


def run_delivery(rt: Runtime, job: dict[str, Any]) -> None:
    delivery = rt.store.delivery(int(job["delivery_id"]))
    if delivery is None or delivery["status"] != PENDING:
        return
    record = rt.store.subscription(delivery["notification_guid"])
    if record is None or not record["active"]:
        rt.store.update_delivery(delivery["id"], CANCELLED)
        return
    number = len(delivery["attempts"]) + 1
    attempt = _post(rt, record, delivery["body"], number)
    delays = rt.config.webhook_retry_delays
    if attempt["status"] == 200:
        status = DELIVERED
    elif number <= len(delays):
        status = PENDING
        due = time.time() + delays[number - 1]
        rt.queue(DELIVER_JOB, {"delivery_id": delivery["id"]}, at=due, subject=None)
    else:
        status = FAILED
    rt.store.update_delivery(delivery["id"], status, attempt)


def _post(rt: Runtime, record: dict[str, Any], text: str, number: int) -> dict[str, Any]:
    """One POST of a raw body; the attempt as recorded."""
    raw = text.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    headers.update(parse_headers(record.get("headers") or "") or {})
    if record.get("secret"):
        headers[SIGNATURE_HEADER] = sign(str(record["secret"]), raw)
    started = time.time()
    status: int | None = None
    error = None
    try:
        response = requests.post(
            record["url"],
            data=raw,
            headers=headers,
            timeout=rt.config.webhook_timeout,
            allow_redirects=False,
        )
        status = response.status_code
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: no answer"
    log.info("webhook to %s: %s", strip_query(record["url"]), status or error)
    return {
        "attempt": number,
        "at": iso(started),
        "status": status,
        "error": error,
        "duration_ms": int((time.time() - started) * 1000),
    }


def report(delivery: dict[str, Any]) -> dict[str, Any]:
    """A delivery for `/_sandbox/webhooks/deliveries`: the raw body and its parsed payload."""
    return {**delivery, "payload": json.loads(delivery["body"])}


def subscribable(event_type: Any) -> bool:
    return isinstance(event_type, str) and event_type in _SUBSCRIBABLE and event_type != "all"
