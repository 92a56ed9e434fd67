"""Test-only control API under `/_sandbox/` (plain JSON, no auth, never rate-limited or faulted).

- `GET health`: `{status: "ok", pid, logins: [{login_id}], programs: [{program_guid, mode}]}`
  (never an API key).
- `GET config`, `PATCH config`: the runtime options (config.RuntimeConfig); an unknown key or
  a bad value is a 400 naming every problem.
- `POST reset`: wipe all state and the rate-limit window; `{"config": true}` also restores
  the start-up configuration.
- `GET requests`: the API request log (`?path=` exact or prefix, `?method=`, `?login_id=`,
  `?person_guid=`).
- `GET webhooks/deliveries`: deliveries (pings too) with every attempt, the raw `body` and its
  parsed `payload` (`?status=`, `?event_type=`, `?person_guid=`, `?notification_guid=`).
- `POST webhooks/release {"order": "sent"|"reverse"}`: send the held deliveries.
- `POST webhooks/send {event_type, person_guid}`: send an event about a person now.
- `GET persons`: every person with its program, status, mode and level.
- `GET persons/<guid>`: `{person (PersonDTO, ids unmasked), program_guid, checks,
  challenge_open, notes, kyc (PersonVerificationResultDTO), history (its entries with the
  emulator's `_seq`, `_pending` and `_note`, why a check failed)}`.
- `GET persons/<guid>/answers`: `{key: correct option}` of the open challenge (`{}`: none).
- `POST persons/<guid>/decide {status}`: force a PersonStatus now (kyc.force), with events.
- `POST tokens/expire`: every access token expires now (`{expired: n}`).
- `GET documents/<ref>/<side>`: the bytes of a stored document side (the docpaths' target).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.common.web import (
    ControlError,
    add_config_routes,
    add_release_route,
    add_reset_route,
    json_body,
)
from sandbox.qolo import kyc, rendering, webhooks
from sandbox.qolo.context import runtime
from sandbox.qolo.state import Person
from sandbox.qolo.vocabulary import PERSON_STATUSES

bp = Blueprint("qolo_control", __name__, url_prefix="/_sandbox")
add_config_routes(bp, runtime)
add_reset_route(bp, runtime, also=lambda rt: rt.limiter.reset())
add_release_route(bp, lambda order: webhooks.release(runtime(), order))


def _person(guid: str) -> Person:
    found = runtime().store.person(guid)
    if found is None:
        raise ControlError(f"no person {guid}", status=404)
    return found


def _summary(person: Person) -> dict[str, Any]:
    return {
        "person_guid": person.guid,
        "program_guid": person.program_guid,
        "client_reference_id": person.details.get("client_reference_id"),
        "status": person.status,
        "mode": person.mode,
        "level": person.level,
        "pending": person.pending,
    }


@bp.get("/health")
def health() -> Response:
    startup = runtime().startup
    logins = [{"login_id": x.login_id} for x in startup.logins]  # an API key is a password
    programs = [{"program_guid": p.guid, "mode": p.mode} for p in startup.programs]
    return jsonify({"status": "ok", "pid": os.getpid(), "logins": logins, "programs": programs})


@bp.get("/requests")
def requests_log() -> Response:
    return jsonify(runtime().store.request_log(**dict(request.args.items())))


@bp.get("/webhooks/deliveries")
def deliveries() -> Response:
    found = runtime().store.deliveries(**dict(request.args.items()))
    return jsonify([webhooks.report(delivery) for delivery in found])


@bp.post("/webhooks/send")
def send() -> Response:
    body = json_body()
    event_type = body.get("event_type")
    if not webhooks.subscribable(event_type):
        raise ControlError(f"{event_type!r} is not an event type")
    person = _person(str(body.get("person_guid") or ""))
    made = webhooks.emit(runtime(), str(event_type), person)
    return jsonify({"event_type": event_type, "person_guid": person.guid, "deliveries": made})


@bp.get("/persons")
def persons() -> Response:
    return jsonify([_summary(person) for person in runtime().store.persons()])


@bp.get("/persons/<guid>")
def person(guid: str) -> Response:
    found = _person(guid)
    return jsonify(
        {
            **_summary(found),
            "person": {**rendering.person_dto(found), **found.details},
            "checks": found.checks,
            "challenge_open": found.challenge is not None,
            "notes": found.notes,
            "kyc": rendering.kyc_result(found),
            # The entries with the emulator's bookkeeping (`_seq`, `_pending`, `_note`).
            "history": found.history,
        }
    )


@bp.get("/persons/<guid>/answers")
def answers(guid: str) -> Response:
    challenge = _person(guid).challenge
    return jsonify(dict(challenge["answers"]) if challenge else {})


@bp.post("/persons/<guid>/decide")
def decide(guid: str) -> Response:
    status = json_body().get("status")
    if status not in PERSON_STATUSES:
        raise ControlError(f"status must be one of {', '.join(PERSON_STATUSES)}")
    _person(guid)
    forced = kyc.force(runtime(), guid, str(status))
    return jsonify({**_summary(forced), "kyc": rendering.kyc_result(forced)})


@bp.post("/tokens/expire")
def expire_tokens() -> Response:
    return jsonify({"expired": runtime().store.expire_tokens()})


@bp.get("/documents/<ref>/<side>")
def document(ref: str, side: str) -> Response:
    found = runtime().store.document(ref, side)
    if found is None:
        raise ControlError(f"no document {ref}/{side}", status=404)
    mime, data = found
    return Response(data, mimetype=mime)
