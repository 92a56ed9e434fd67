"""Webhook events (fact sheet §8): queue, sign, POST, retry with back-off, hold and release.

Every delivery is a row in `deliveries`; every attempt is a job so retries survive restarts.
Each attempt is signed afresh (new X-TIMESTAMP) over the compact sorted body, with the
organisation's own key and secret, exactly as DollarPe describes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import requests

from sandbox.dollarpe.config import Org
from sandbox.dollarpe.redact import strip_query
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.signing import compact, sign

log = logging.getLogger(__name__)

JOB_KIND = "webhook"
PENDING = "pending"
HELD = "held"
DELIVERED = "delivered"
FAILED = "failed"
NO_URL = "no_url"


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_payload(
    kind: str, entity_id: str, event: str, metadata: dict[str, Any], timestamp: str | None = None
) -> dict[str, Any]:
    return {
        "type": kind,
        "id": entity_id,
        "event": event,
        "timestamp": timestamp or iso_now(),
        "metadata": metadata,
    }


def emit(
    rt: Runtime, org: str, kind: str, entity_id: str, event: str, metadata: dict[str, Any]
) -> list[int]:
    """Queue an event for `org` (plus `webhook_duplicates` identical copies)."""
    config = rt.config
    payload = event_payload(kind, entity_id, event, metadata)
    url = rt.store.webhook_url(org)
    ids: list[int] = []
    for copy in range(1 + config.webhook_duplicates):
        status = HELD if config.hold_webhooks else (PENDING if url else NO_URL)
        delivery_id = rt.store.add_delivery(org, url, payload, status, "event", copy)
        ids.append(delivery_id)
        if status == PENDING:
            rt.schedule(JOB_KIND, 0.0, {"delivery_id": delivery_id}, None)
        elif status == NO_URL:
            log.info("webhook %s %s %s not sent: no URL registered", kind, event, entity_id)
    return ids


def release(rt: Runtime, order: str) -> list[int]:
    """Queue every held delivery now, in creation order or reversed."""
    with rt.store.transaction():
        held = [d["id"] for d in rt.store.deliveries(HELD)]
        if order == "reverse":
            held.reverse()
        due = time.time()
        for delivery_id in held:
            delivery = rt.store.delivery(delivery_id)
            assert delivery is not None
            rt.store.update_delivery(delivery_id, PENDING, delivery["attempts"], delivery["url"])
            # Same due time for all: the job thread then runs them in insertion order.
            rt.store.add_job(JOB_KIND, due, {"delivery_id": delivery_id})
    rt.wake.set()
    return held


def run_job(rt: Runtime, payload: dict[str, Any]) -> None:
    """One delivery attempt, then the next retry is scheduled or the delivery is closed."""
    delivery = rt.store.delivery(int(payload["delivery_id"]))
    if delivery is None or delivery["status"] != PENDING:
        return
    org = rt.org(delivery["org"])
    url = delivery["url"] or rt.store.webhook_url(delivery["org"])
    if org is None or url is None:
        rt.store.update_delivery(delivery["id"], NO_URL, delivery["attempts"], url)
        return
    attempts = [
        *delivery["attempts"],
        attempt(url, org, delivery["payload"], rt.config.webhook_timeout),
    ]
    delays = rt.config.webhook_retry_delays
    if attempts[-1]["ok"]:
        status = DELIVERED
    elif len(attempts) <= len(delays):
        status = PENDING
        rt.schedule(JOB_KIND, delays[len(attempts) - 1], {"delivery_id": delivery["id"]}, None)
    else:
        status = FAILED
        log.warning("webhook delivery %s gave up after %d attempts", delivery["id"], len(attempts))
    rt.store.update_delivery(delivery["id"], status, attempts, url)


def attempt(
    url: str,
    org: Org,
    payload: dict[str, Any],
    timeout: float,
    signed_at: int | None = None,
) -> dict[str, Any]:
    """POST once; returns the attempt record (kept in the delivery and logged)."""
    timestamp = str(signed_at if signed_at is not None else int(time.time()))
    body = compact(payload)
    signature = sign(org.api_key, org.api_secret, timestamp, body)
    headers = {
        "Content-Type": "application/json",
        "X-TIMESTAMP": timestamp,
        "X-SIGNATURE": signature,
    }
    record: dict[str, Any] = {
        "at": time.time(),
        "url": strip_query(url),
        "x_timestamp": timestamp,
        "signature": signature,
        "status_code": None,
        "error": None,
        "ok": False,
    }
    try:
        response = requests.post(
            url, data=body.encode(), headers=headers, timeout=timeout, allow_redirects=False
        )
        record["status_code"] = response.status_code
        record["ok"] = 200 <= response.status_code < 300
    except requests.RequestException as exc:
        record["error"] = type(exc).__name__
    log.info(
        "webhook %s %s %s -> %s",
        payload.get("type"),
        payload.get("event"),
        record["url"],
        record["status_code"] or record["error"],
    )
    return record


def send_now(
    rt: Runtime, org: Org, payload: dict[str, Any], signed_at: int | None
) -> dict[str, Any]:
    """Deliver one arbitrary event immediately, once, bypassing hold/duplicates/retries."""
    url = rt.store.webhook_url(org.api_key)
    if url is None:
        delivery_id = rt.store.add_delivery(org.api_key, None, payload, NO_URL, "manual", 0)
    else:
        result = attempt(url, org, payload, rt.config.webhook_timeout, signed_at)
        status = DELIVERED if result["ok"] else FAILED
        delivery_id = rt.store.add_delivery(org.api_key, url, payload, status, "manual", 0)
        rt.store.update_delivery(delivery_id, status, [result], url)
    delivery = rt.store.delivery(delivery_id)
    assert delivery is not None
    return delivery
