"""Test-only control API under `/_sandbox/` (unsigned JSON): inspect and steer the emulator.

| Method and path                   | Does                                                      |
|-----------------------------------|-----------------------------------------------------------|
| GET /_sandbox/health              | `{"status": "ok", pid, orgs: [{api_key}]}` (no secret)    |
| GET /_sandbox/config              | every runtime option (config.RuntimeConfig)               |
| PATCH /_sandbox/config            | change options; an unknown key or bad value is a 400      |
| POST /_sandbox/reset              | wipe all state; `{"config": true}` also restores the      |
|                                   | start-up configuration                                    |
| GET /_sandbox/customers/<id>      | internal state: kyc (URL queries stripped), update_count, |
|                                   | documents fetched, history, banks, jobs, pending_jobs     |
| GET /_sandbox/requests            | API request log; `?path=` matches exactly or as a prefix, |
|                                   | `?customer_id=` filters by customer                       |
| GET /_sandbox/webhooks/deliveries | deliveries with every attempt; `?status=` filters         |
| POST /_sandbox/webhooks/release   | `{"order": "fifo" or "reverse"}`, held deliveries sent    |
| POST /_sandbox/webhooks/send      | `{type, id, event, metadata?, timestamp?, org?,           |
|                                   | signed_at?}`: sign and deliver once, now                  |
| POST /_sandbox/decide/<id>        | run the customer's pending KYC and bank decisions now     |
| POST /_sandbox/customers/<id>/    | the provider resets the customer by itself (back to       |
|      provider-reset               | UNVERIFIED, KYC data gone); `{"webhook": false}` sends no |
|                                   | CUSTOMER UNVERIFIED webhook (only polling can find it)    |
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.common.web import ControlError, add_config_routes, add_release_route, add_reset_route
from sandbox.common.web import json_body as _json_body
from sandbox.dollarpe import decisions, kyc_status, webhooks
from sandbox.dollarpe.api import runtime
from sandbox.dollarpe.models import PROCESSING, UNVERIFIED, Customer
from sandbox.dollarpe.redact import redact
from sandbox.dollarpe.runtime import Runtime

bp = Blueprint("dollarpe_control", __name__, url_prefix="/_sandbox")
add_config_routes(bp, runtime)
add_reset_route(bp, runtime)
add_release_route(bp, lambda order: webhooks.release(runtime(), order), ("fifo", "reverse"))


@bp.get("/health")
def health() -> Response:
    rt = runtime()
    # The key names the organisation; its secret signs requests and webhooks, so never here.
    orgs = [{"api_key": o.api_key} for o in rt.startup.orgs]
    return jsonify({"status": "ok", "pid": os.getpid(), "orgs": orgs})


def customer_state(rt: Runtime, customer: Customer) -> dict[str, Any]:
    data = customer.to_record()
    data["kyc"] = redact(data["kyc"])
    data["public"] = customer.public()
    data["banks"] = [bank.to_record() for bank in rt.store.banks(customer.id)]
    jobs = rt.store.jobs_for(customer.id)
    data["jobs"] = jobs
    data["pending_jobs"] = [job for job in jobs if job["status"] in ("pending", "running")]
    return data


def _customer(rt: Runtime, customer_id: str) -> Customer:
    customer = rt.store.customer(customer_id)
    if customer is None:
        raise ControlError("no such customer", status=404)
    return customer


@bp.get("/customers/<customer_id>")
def get_customer(customer_id: str) -> Response:
    rt = runtime()
    return jsonify(customer_state(rt, _customer(rt, customer_id)))


@bp.get("/requests")
def requests_log() -> Response:
    rt = runtime()
    entries = rt.store.requests_log(request.args.get("path"), request.args.get("customer_id"))
    return jsonify(entries)


@bp.get("/webhooks/deliveries")
def deliveries() -> Response:
    return jsonify(runtime().store.deliveries(request.args.get("status")))


@bp.post("/webhooks/send")
def send() -> Response:
    """Sign and deliver one arbitrary event now (stale, duplicate, out-of-order tests)."""
    rt = runtime()
    body = _json_body()
    missing = [key for key in ("type", "id", "event") if not isinstance(body.get(key), str)]
    if missing:
        raise ControlError("missing string fields", errors={key: "required" for key in missing})
    org = rt.org(body["org"]) if body.get("org") else rt.default_org
    if org is None:
        raise ControlError("unknown org")
    metadata = body.get("metadata") or {}
    signed_at = body.get("signed_at")
    if not isinstance(metadata, dict) or not isinstance(signed_at, int | None):
        raise ControlError("metadata must be an object and signed_at an integer")
    payload = webhooks.event_payload(
        body["type"], body["id"], body["event"], metadata, body.get("timestamp")
    )
    return jsonify(webhooks.send_now(rt, org, payload, signed_at))


@bp.post("/decide/<customer_id>")
def decide(customer_id: str) -> Response:
    """Run the customer's pending KYC and bank decisions now instead of waiting."""
    rt = runtime()
    customer = _customer(rt, customer_id)
    kyc_jobs = rt.store.claim_jobs(decisions.KYC_JOB, customer.id)
    # A hosted-link submission carries its result in the job; keep it when deciding early.
    forced: dict[str, Any] | None = None
    for job in kyc_jobs:
        forced = job["payload"].get("forced", forced)
    kyc_decided = customer.status == PROCESSING and decisions.decide_customer(
        rt, customer.id, customer.generation, forced
    )
    for job in kyc_jobs:
        rt.store.finish_job(int(job["id"]), "done")
    banks_decided = []
    for job in rt.store.claim_jobs(decisions.BANK_JOB, customer.id):
        payload = job["payload"]
        if decisions.decide_bank(rt, payload["bank_id"]):
            banks_decided.append(payload["bank_id"])
        rt.store.finish_job(int(job["id"]), "done")
    state = customer_state(rt, _customer(rt, customer_id))
    return jsonify({"kyc_decided": kyc_decided, "banks_decided": banks_decided, "customer": state})


@bp.post("/customers/<customer_id>/provider-reset")
def provider_reset(customer_id: str) -> Response:
    """A reset on the provider's side (its staff, a compliance review), not asked by us."""
    rt = runtime()
    body = _json_body()
    webhook = body.get("webhook", True)
    if not isinstance(webhook, bool):
        raise ControlError("webhook must be true or false")
    with rt.store.transaction():
        customer = _customer(rt, customer_id)
        kyc_status.clear_kyc(rt, customer, "provider-reset")
        rt.store.save_customer(customer)
    if webhook:
        webhooks.emit(rt, customer.org, "CUSTOMER", customer.id, UNVERIFIED, {})
    return jsonify(customer_state(rt, _customer(rt, customer_id)))
