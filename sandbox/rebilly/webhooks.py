"""Webhooks (fact sheet §7): credentials, subscriptions, event delivery, tracking and resend.

Authenticity is HTTP auth per credential (`POST /service-credentials/webhook`): a delivery
carries `Authorization: Basic base64(user:pass)` from the credential its webhook names in
`credentialHash` (digest credentials answer the receiver's digest challenge; `none` sends
nothing). There is no signature header: Rebilly documents none (open question 1).

Each event is stored; each webhook it matches gets a delivery, and every attempt of a
delivery is a job (so retries survive restarts) and a tracking log (`GET /tracking/webhooks`).
Any 2xx is delivered; anything else is retried after `webhook_retry_delays`, then failed.
Emulator-only knobs for testing receivers: `duplicate_deliveries` (each delivery twice),
`hold_deliveries` (queue them until `POST /_sandbox/webhooks/release`, in order or reversed).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from typing import Any

import requests
from requests.auth import HTTPDigestAuth

from sandbox.common.redact import strip_query
from sandbox.rebilly import listing, vocabulary
from sandbox.rebilly.problems import Problem, invalid, invalid_field, not_found
from sandbox.rebilly.runtime import Runtime, iso, new_id
from sandbox.rebilly.state import Resource
from sandbox.rebilly.validation import Fields

log = logging.getLogger(__name__)

CREDENTIAL = "credential"
WEBHOOK = "webhook"
DELIVER_JOB = "deliver"

PENDING = "pending"
HELD = "held"
DELIVERED = "delivered"
FAILED = "failed"
CANCELLED = "cancelled"

USER_AGENT = "Rebilly/emulator"
CREDENTIAL_FIELDS = ("id", "host", "status", "type")
WEBHOOK_FIELDS = ("id", "status", "method", "url", "credentialHash", "createdTime")
TRACKING_FIELDS = ("id", "status", "eventType", "entityId", "url", "method", "attempt")

_HOST = re.compile(r"^[A-Za-z0-9\-.]+$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


# --- service credentials --------------------------------------------------------------------


def _auth(f: Fields, body: dict[str, Any]) -> dict[str, Any]:
    auth = f.obj(body, "auth", "auth", nullable=False)
    if auth is None:
        return {"type": "none"}
    kind = f.choice(auth, "type", "auth.type", ("none", "basic", "digest"), required=True)
    if kind in ("basic", "digest"):
        username = f.string(auth, "username", "auth.username", required=True)
        password = f.string(auth, "password", "auth.password", required=True)
        return {"type": kind, "username": username, "password": password}
    return {"type": "none"}


def create_credential(rt: Runtime, org: str, kind: str, body: Any) -> tuple[Resource, bool]:
    """(credential, created); an identical active credential is returned instead (the 303)."""
    if kind != "webhook":
        raise invalid_field("type", "The emulator keeps webhook credentials only.")
    if not isinstance(body, dict):
        raise invalid_field("body", "This value should be of type object.")
    f = Fields()
    f.choice(body, "type", "type", ("webhook",))
    host = f.string(body, "host", "host", required=True, max_length=255, pattern=_HOST)
    auth = _auth(f, body)
    f.done()
    with rt.store.transaction():
        for existing in rt.store.all(CREDENTIAL, org):
            same = existing.body["host"] == host and existing.body["auth"] == auth
            if same and existing.body["status"] == "active":
                return existing, False
        credential_id = new_id("crd_")
        credential = Resource(
            CREDENTIAL,
            credential_id,
            org,
            {
                "id": credential_id,
                "hash": credential_id,  # deprecated twin of `id`
                "type": "webhook",
                "status": "active",
                "deactivationTime": None,
                "host": host,
                "auth": auth,
            },
        )
        rt.store.save(credential)
    return credential, True


def credential_href(rt: Runtime, credential: Resource) -> str:
    return f"{rt.api_base(credential.org)}/service-credentials/webhook/{credential.id}"


def render_credential(rt: Runtime, credential: Resource) -> dict[str, Any]:
    return dict(credential.body)


def load_credential(rt: Runtime, org: str, kind: str, credential_id: str) -> Resource:
    credential = rt.store.load(CREDENTIAL, credential_id)
    if kind != "webhook" or credential is None or credential.org != org:
        raise not_found("Service credential", credential_id)
    return credential


def credential_collection(rt: Runtime, org: str, kind: str, args: dict[str, str]) -> listing.Page:
    items = (
        [render_credential(rt, c) for c in rt.store.all(CREDENTIAL, org)]
        if kind == "webhook"
        else []
    )
    return listing.page(items, args, fields=CREDENTIAL_FIELDS, default_limit=rt.config.page_limit)


# --- webhook subscriptions ------------------------------------------------------------------


def _headers(f: Fields, body: dict[str, Any]) -> list[dict[str, str]]:
    result = []
    for index, item in enumerate(f.array(body, "headers", "headers", nullable=False) or []):
        where = f"headers.{index}"
        item = item if isinstance(item, dict) else {}
        name = f.string(item, "name", f"{where}.name", required=True, pattern=_HEADER_NAME)
        value = f.string(item, "value", f"{where}.value", required=True, nullable=False)
        if value and ("\r" in value or "\n" in value):
            f.add(f"{where}.value", "This value is not valid.")
        status = f.choice(
            item, "status", f"{where}.status", ("active", "inactive"), default="active"
        )
        result.append({"name": name, "value": value, "status": status})
    return result


def _webhook_fields(rt: Runtime, org: str, body: Any, webhook_id: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid_field("body", "This value should be of type object.")
    f = Fields()
    method = f.choice(body, "method", "method", vocabulary.WEBHOOK_METHODS, required=True)
    url = f.url(body, "url", "url", required=True)
    credential_id = f.string(body, "credentialHash", "credentialHash", required=True)
    if credential_id and not _credential(rt, org, credential_id):
        f.add("credentialHash", "No service credential has this hash.")
    events = f.array(body, "eventsFilter", "eventsFilter", nullable=False) or []
    for index, event in enumerate(events):
        if not isinstance(event, str) or event not in vocabulary.EVENT_TYPES:
            f.add(f"eventsFilter.{index}", "The value you selected is not a valid choice.")
    status = f.choice(body, "status", "status", ("active", "inactive"), default="active")
    fields = {
        "eventsFilter": events,
        "status": status,
        "method": method,
        "url": url,
        "headers": _headers(f, body),
        "credentialHash": credential_id,
        "body": f.string(body, "body", "body"),
        "filter": f.string(body, "filter", "filter"),
    }
    f.done()
    if status == "active":
        others = [w for w in rt.store.all(WEBHOOK, org) if w.id != webhook_id]
        active = [w for w in others if w.body["status"] == "active"]
        if any(w.body["url"] == url and w.body["method"] == method for w in active):
            raise Problem(409, f"An active {method} webhook to this URL already exists.")
        if len(active) >= rt.config.max_active_webhooks:
            limit = rt.config.max_active_webhooks
            raise invalid(
                [{"field": "status", "message": f"At most {limit} webhooks can be active."}],
                f"An organization can have at most {limit} active webhooks.",
            )
    return fields


def _credential(rt: Runtime, org: str, credential_id: str) -> Resource | None:
    """The credential a `credentialHash` names (its id; the deprecated `hash` is the same)."""
    credential = rt.store.load(CREDENTIAL, credential_id)
    return credential if credential is not None and credential.org == org else None


def put_webhook(
    rt: Runtime, org: str, body: Any, webhook_id: str | None = None
) -> tuple[Resource, bool]:
    """POST (no id) or PUT upsert: (webhook, created)."""
    with rt.store.transaction():
        webhook_id = webhook_id or new_id("hook_")
        existing = rt.store.load(WEBHOOK, webhook_id)
        if existing is not None and existing.org != org:
            raise Problem(409, f"The webhook id {webhook_id!r} is already in use.")
        fields = _webhook_fields(rt, org, body, webhook_id)
        stamp = iso(time.time())
        webhook = existing or Resource(
            WEBHOOK, webhook_id, org, {"id": webhook_id, "createdTime": stamp}
        )
        webhook.body.update(fields, updatedTime=stamp)
        rt.store.save(webhook)
    return webhook, existing is None


def render_webhook(rt: Runtime, webhook: Resource) -> dict[str, Any]:
    href = f"{rt.api_base(webhook.org)}/webhooks/{webhook.id}"
    return {**webhook.body, "_links": [{"rel": "self", "href": href}]}


def load_webhook(rt: Runtime, org: str, webhook_id: str) -> Resource:
    webhook = rt.store.load(WEBHOOK, webhook_id)
    if webhook is None or webhook.org != org:
        raise not_found("Webhook", webhook_id)
    return webhook


def webhook_collection(rt: Runtime, org: str, args: dict[str, str]) -> listing.Page:
    items = [render_webhook(rt, w) for w in rt.store.all(WEBHOOK, org)]
    return listing.page(items, args, fields=WEBHOOK_FIELDS, default_limit=rt.config.page_limit)


# --- events and deliveries ------------------------------------------------------------------


def emit(rt: Runtime, org: str, event_type: str, entity_id: str, payload: dict[str, Any]) -> int:
    """Store an event and queue a delivery to every active webhook that wants it."""
    config = rt.config
    with rt.store.transaction():
        hooks = [
            w
            for w in rt.store.all(WEBHOOK, org)
            if w.body["status"] == "active"
            and (not w.body["eventsFilter"] or event_type in w.body["eventsFilter"])
        ]
        event_id = rt.store.add_event(org, event_type, entity_id, payload, [w.id for w in hooks])
        for hook in hooks:
            for copy in range(2 if config.duplicate_deliveries else 1):
                status = HELD if config.hold_deliveries else PENDING
                delivery_id = rt.store.add_delivery(org, hook.id, event_id, copy, status)
                if status == PENDING:
                    rt.queue(
                        DELIVER_JOB, {"delivery_id": delivery_id}, at=time.time(), subject=hook.id
                    )
    log.info("event %s %s -> %d webhook(s)", event_type, entity_id, len(hooks))
    return event_id


def release(rt: Runtime, order: str) -> list[int]:
    """Queue every held delivery now, in the order they were made or reversed."""
    with rt.store.transaction():
        held = [d["id"] for d in rt.store.deliveries(status=HELD)]
        if order == "reverse":
            held.reverse()
        due = time.time()
        for delivery_id in held:
            rt.store.set_delivery_status(delivery_id, PENDING)
            # Same due time for all: the job thread runs them in the order queued here.
            rt.queue(DELIVER_JOB, {"delivery_id": delivery_id}, at=due, subject=None)
    return held


def resend(rt: Runtime, delivery_id: int) -> None:
    """One more attempt of a delivery, whatever became of it (no retries after it)."""
    rt.queue(
        DELIVER_JOB, {"delivery_id": delivery_id, "resend": True}, at=time.time(), subject=None
    )


def run_delivery(rt: Runtime, job: dict[str, Any]) -> None:
    delivery = rt.store.delivery(int(job["delivery_id"]))
    resending = bool(job.get("resend"))
    if delivery is None or (delivery["status"] != PENDING and not resending):
        return
    webhook = rt.store.load(WEBHOOK, delivery["webhook_id"])
    if webhook is None or webhook.body["status"] != "active":
        rt.store.set_delivery_status(delivery["id"], CANCELLED)
        return
    attempt = len(rt.store.tracking_of(delivery["id"])) + 1
    record = _attempt(rt, webhook, delivery, attempt)
    rt.store.add_tracking(delivery["org"], delivery["id"], record)
    delays = rt.config.webhook_retry_delays
    if 200 <= record["status"] < 300:
        status = DELIVERED
    elif not resending and attempt <= len(delays):
        status = PENDING
        due = time.time() + delays[attempt - 1]
        rt.queue(DELIVER_JOB, {"delivery_id": delivery["id"]}, at=due, subject=webhook.id)
    else:
        status = FAILED
    rt.store.set_delivery_status(delivery["id"], status)


def _template(template: str, payload: dict[str, Any]) -> str:
    """A webhook's own `body`: `{{a.b}}` placeholders from the event; unknown ones are empty."""

    def value(match: re.Match[str]) -> str:
        current: Any = payload
        for part in match.group(1).split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if current is None:
            return ""
        return current if isinstance(current, str) else json.dumps(current)

    return _PLACEHOLDER.sub(value, template)


def _attempt(
    rt: Runtime, webhook: Resource, delivery: dict[str, Any], attempt: int
) -> dict[str, Any]:
    """Send once; returns the tracking log of the attempt."""
    hook = webhook.body
    payload = delivery["payload"]
    text = _template(hook["body"], payload) if hook.get("body") else json.dumps(payload)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    headers.update({h["name"]: h["value"] for h in hook["headers"] if h["status"] == "active"})
    credential = rt.store.load(CREDENTIAL, hook["credentialHash"])
    auth = (credential.body["auth"] if credential else None) or {"type": "none"}
    digest = None
    if auth["type"] == "basic":
        pair = f"{auth['username']}:{auth['password']}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif auth["type"] == "digest":
        digest = HTTPDigestAuth(auth["username"], auth["password"])
    started = time.time()
    status, answer, answer_headers = 0, "", {}
    try:
        response = requests.request(
            hook["method"],
            hook["url"],
            data=text.encode(),
            headers=headers,
            auth=digest,
            timeout=rt.config.webhook_timeout,
            allow_redirects=False,
        )
        status, answer = response.status_code, response.text[:10_000]
        answer_headers = dict(response.headers.items())
    except requests.RequestException as exc:
        answer = f"{type(exc).__name__}: no answer"
    duration = int((time.time() - started) * 1000)
    log.info(
        "webhook %s -> %s: %s", delivery["event_type"], strip_query(hook["url"]), status or answer
    )
    if "Authorization" in headers:
        headers["Authorization"] = headers["Authorization"].split(" ", 1)[0] + " ********"
    log_id = new_id("hook_log_")
    stamp = iso(started)
    return {
        "id": log_id,
        "status": status,
        "duration": duration,
        "initiatedTime": iso(delivery["created"]),
        "url": hook["url"],
        "method": hook["method"],
        "request": text,
        "response": answer,
        "requestHeaders": headers,
        "responseHeaders": answer_headers,
        "entityId": delivery["entity_id"],
        "organizationId": delivery["org"],
        "eventType": delivery["event_type"],
        "source": "webhooks",
        "attempt": attempt,
        "sentTime": stamp,
        "createdTime": stamp,
        "updatedTime": stamp,
        "_links": [
            {"rel": "self", "href": f"{rt.api_base(delivery['org'])}/tracking/webhooks/{log_id}"}
        ],
    }


def tracking_collection(rt: Runtime, org: str, args: dict[str, str]) -> listing.Page:
    return listing.page(
        rt.store.tracking(org), args, fields=TRACKING_FIELDS, default_limit=rt.config.page_limit
    )


def load_tracking(rt: Runtime, org: str, log_id: str) -> tuple[int, dict[str, Any]]:
    entry = rt.store.tracking_entry(log_id)
    if entry is None or entry[1]["organizationId"] != org:
        raise not_found("Webhook tracking log", log_id)
    return entry


def delivery_report(rt: Runtime, delivery: dict[str, Any]) -> dict[str, Any]:
    """A delivery for `/_sandbox/webhooks/deliveries`, with every attempt's tracking log."""
    return {**delivery, "attempts": rt.store.tracking_of(delivery["id"])}
