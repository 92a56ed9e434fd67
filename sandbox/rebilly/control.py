"""Test-only control API under `/_sandbox/` (plain JSON, no auth, never rate-limited or faulted).

- `GET health`: `{status: "ok", pid, orgs: [{organizationId}]}` (never an API key).
- `GET config`, `PATCH config`: the runtime options (config.RuntimeConfig); an unknown key or
  a bad value is a 400 naming every problem.
- `POST reset`: wipe all state and the rate-limit windows; `{"config": true}` also restores
  the start-up configuration.
- `GET requests`: the API request log (`?path=` exact or prefix, `?method=`).
- `GET events`: every event raised and the webhooks it went to (`?type=`), sent or not.
- `GET webhooks/deliveries`: deliveries with every attempt (`?status=`, `?event_type=`,
  `?webhook_id=`, `?entity_id=`).
- `POST webhooks/release {"order": "sent"|"reverse"}`: send the held deliveries (option
  `hold_deliveries`) in the order they were made, or reversed.
- `POST webhooks/deliveries/<id>/resend`: one more attempt of a delivery, now.
- `GET kyc-requests/<id>/gatherer`: `{requestId, token, url}` of its gatherer page.
- `POST kyc-requests/<id>/expire`: expirationTime into the past, so the request becomes
  expired or abandoned, without a webhook (as Rebilly does).
- `POST kyc-documents/<id>/decide {status: accepted|rejected|pending, reason_type?, message?}`:
  decide a document now as Rebilly's AI would (reviewer stays null), with its events.
- `GET files/<id>`: the stored bytes of a file.
"""

from __future__ import annotations

import os

from flask import Blueprint, Response, jsonify, request

from sandbox.common.web import (
    ControlError,
    add_config_routes,
    add_release_route,
    add_reset_route,
    json_body,
)
from sandbox.rebilly import kyc, webhooks
from sandbox.rebilly.context import runtime
from sandbox.rebilly.state import Resource
from sandbox.rebilly.vocabulary import ACCEPTED, PENDING, REJECTED, REJECTION_REASONS

bp = Blueprint("rebilly_control", __name__, url_prefix="/_sandbox")
add_config_routes(bp, runtime)
add_reset_route(bp, runtime, also=lambda rt: rt.limiter.reset())
add_release_route(bp, lambda order: webhooks.release(runtime(), order))


def _resource(kind: str, resource_id: str) -> Resource:
    found = runtime().store.load(kind, resource_id)
    if found is None:
        raise ControlError(f"no {kind} {resource_id}", status=404)
    return found


@bp.get("/health")
def health() -> Response:
    rt = runtime()
    orgs = [{"organizationId": o.organization_id} for o in rt.startup.orgs]  # no secret key
    return jsonify({"status": "ok", "pid": os.getpid(), "orgs": orgs})


@bp.get("/requests")
def requests_log() -> Response:
    entries = runtime().store.request_log()
    path, method = request.args.get("path"), request.args.get("method")
    if path:
        entries = [e for e in entries if e["path"] == path or e["path"].startswith(path)]
    if method:
        entries = [e for e in entries if e["method"] == method.upper()]
    return jsonify(entries)


@bp.get("/events")
def events() -> Response:
    return jsonify(runtime().store.events(request.args.get("type")))


@bp.get("/webhooks/deliveries")
def deliveries() -> Response:
    rt = runtime()
    found = rt.store.deliveries(**dict(request.args.items()))
    return jsonify([webhooks.delivery_report(rt, d) for d in found])


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
def resend(delivery_id: int) -> Response:
    rt = runtime()
    if rt.store.delivery(delivery_id) is None:
        raise ControlError(f"no delivery {delivery_id}", status=404)
    webhooks.resend(rt, delivery_id)
    return jsonify({"resent": delivery_id})


@bp.get("/kyc-requests/<request_id>/gatherer")
def gatherer(request_id: str) -> Response:
    rt = runtime()
    found = _resource(kyc.REQUEST, request_id)
    url = kyc.gatherer_url(rt, found)
    return jsonify({"requestId": found.id, "token": found.meta["token"], "url": url})


@bp.post("/kyc-requests/<request_id>/expire")
def expire(request_id: str) -> Response:
    rt = runtime()
    found = kyc.expire_now(rt, _resource(kyc.REQUEST, request_id))
    return jsonify(kyc.render_request(rt, found, expand=True))


@bp.post("/kyc-documents/<document_id>/decide")
def decide(document_id: str) -> Response:
    """Decide a document now, as Rebilly's AI would (reviewer stays null)."""
    rt = runtime()
    body = json_body()
    status = body.get("status")
    if status not in (ACCEPTED, REJECTED, PENDING):
        raise ControlError("status must be accepted, rejected or pending")
    reason = None
    if status == REJECTED:
        kind = body.get("reason_type") or "other"
        message = body.get("message")
        if kind not in REJECTION_REASONS or not isinstance(message, str | None):
            raise ControlError("reason_type must be a rejection reason, message a string")
        reason = kyc.default_reason(kind) if message is None else {"type": kind, "message": message}
    document = kyc.decide(rt, _resource(kyc.DOCUMENT, document_id), status, reason)
    found = rt.store.load(kyc.REQUEST, str(document.body["requestId"]))
    return jsonify(
        {
            "document": kyc.render_document(rt, document),
            "request": kyc.render_request(rt, found) if found else None,
        }
    )


@bp.get("/files/<file_id>")
def file_bytes(file_id: str) -> Response:
    rt = runtime()
    stored = _resource("file", file_id)
    data = rt.store.blob(file_id) or b""
    return Response(data, mimetype=str(stored.body["mime"]))
