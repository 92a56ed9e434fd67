"""Qolo's REST routes under `/api/{version}/` (fact sheet §1-§7).

Before any route: the gateway's rate limit (option `rate_limit`: a 429 ProblemDetails with
`Retry-After` seconds), then the version (anything but `v1` is a 404), then the Bearer token
(auth.py; not for the login itself). Bodies must be JSON objects (`application/json`, else
415; empty, else 400). Creating POSTs (persons, kyc, webhooks) honour `IdempotencyKey`:
while a key lives (`idempotency_ttl`) the first answer to that login, method and path is
replayed, status and body, with `Idempotent-Replayed: true`, and nothing changes again.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from sandbox.qolo import auth, kyc, persons, rendering, webhooks
from sandbox.qolo.context import runtime
from sandbox.qolo.problems import Problem, invalid, invalid_field

PREFIX = "/api/"
VERSION = "v1"
IDEMPOTENCY_HEADER = "IdempotencyKey"
REPLAYED_HEADER = "Idempotent-Replayed"
GATEWAY = "gateway"

bp = Blueprint("qolo_api", __name__, url_prefix="/api/<version>")


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIX)


def problem_response(exc: Problem) -> Response:
    response = jsonify(exc.body(request.path))
    response.status_code = exc.status
    response.headers.update(exc.headers)
    return response


@bp.url_value_preprocessor
def _take_version(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.api_version = (values or {}).pop("version", "")


@bp.before_request
def _gateway_version_and_token() -> None:
    rt = runtime()
    config = rt.config
    if config.rate_limit is not None:
        now = time.time()
        quota = rt.limiter.check(
            GATEWAY, limit=config.rate_limit, window=config.rate_limit_window, now=now, count=True
        )
        if quota.retry_after is not None:
            # Seconds until the window closes (its end is rounded up to a whole second).
            wait = max(1, min(math.ceil(config.rate_limit_window), quota.retry_after - int(now)))
            raise Problem(429, "API calls quota exceeded.", headers={"Retry-After": str(wait)})
    if g.api_version != VERSION:
        raise Problem(404, f"API version '{g.api_version}' is not supported.")
    if request.endpoint != "qolo_api.login":
        g.login_id = auth.authenticate(rt, request.headers.get("Authorization", ""))


def _body() -> Any:
    """The JSON body of a call that takes one."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Problem(415, "Send the body as application/json.")
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise invalid_field("", "A non-empty request body is required.")
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_field("$", "The JSON value could not be parsed.") from None


def _answer(body: Any, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """Replay the first answer to an IdempotencyKey (2xx and 4xx; a 5xx is not kept)."""

    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return view(**kwargs)
        rt = runtime()
        g.idempotency_key = key
        scope = f"{g.login_id}|{request.method}|{request.path}|{key}"
        with rt.key_lock(scope):
            kept = rt.store.idempotent_answer(scope, since=time.time() - rt.config.idempotency_ttl)
            if kept is not None:
                g.replayed = True
                status, body = kept
                response = _answer(body, status) if body is not None else Response(status=status)
                response.headers[REPLAYED_HEADER] = "true"
                return response
            try:
                response = view(**kwargs)
            except Problem as exc:
                response = problem_response(exc)
            if response.status_code < 500:
                rt.store.keep_answer(scope, response.status_code, response.get_json(silent=True))
            return response

    return wrapper


def _paging() -> tuple[int, int]:
    values = {}
    for name, default in (("limit", runtime().config.page_limit), ("start_index", 1)):
        raw = request.args.get(name)
        if raw is None or raw == "":
            values[name] = default
            continue
        try:
            values[name] = int(raw)
        except ValueError:
            raise invalid_field(name, f"The value '{raw}' is not valid.") from None
    if not 1 <= values["limit"] <= persons.MAX_LIMIT:
        raise invalid({"limit": [f"The field limit must be between 1 and {persons.MAX_LIMIT}."]})
    if values["start_index"] < 1:
        raise invalid({"start_index": ["The field start_index must be 1 or more."]})
    return values["limit"], values["start_index"]


# --- login ----------------------------------------------------------------------------------


@bp.post("/auth/login")
def login() -> Response:
    rt = runtime()
    body = _body()
    g.login_id = auth.claimed_login(rt, body)
    g.login_id, answer = auth.login(rt, body)
    return _answer(answer)


# --- persons --------------------------------------------------------------------------------


@bp.post("/persons")
@idempotent
def person_create() -> Response:
    person = persons.create(runtime(), _body())
    return _answer(rendering.created_person(person), 201)


@bp.put("/persons")
def person_update() -> Response:
    return _answer(rendering.person_dto(persons.update(runtime(), _body())))


@bp.post("/persons/search")
def person_search() -> Response:
    page, start, more = persons.search(runtime(), _body())
    return _answer(
        {
            "count": len(page),
            "start_index": start,
            "end_index": start - 1 + len(page),
            "has_more": more,
            "data": [rendering.person_dto(person) for person in page],
        }
    )


@bp.get("/persons/<person_guid>")
def person_get(person_guid: str) -> Response:
    rt = runtime()
    person = kyc.load(rt, persons.parse_guid(person_guid, "person_guid"))
    return _answer(rendering.person_dto(person))


@bp.get("/persons/<person_guid>/kyc")
def kyc_get(person_guid: str) -> Response:
    rt = runtime()
    person = kyc.load(rt, persons.parse_guid(person_guid, "person_guid"))
    return _answer(rendering.kyc_result(person))


@bp.post("/persons/<person_guid>/kyc")
@idempotent
def kyc_perform(person_guid: str) -> Response:
    rt = runtime()
    guid = persons.parse_guid(person_guid, "person_guid")
    return _answer(rendering.kyc_result(kyc.perform(rt, guid, _body())))


# --- webhooks -------------------------------------------------------------------------------


@bp.get("/webhooks")
def webhook_list() -> Response:
    limit, start = _paging()
    return _answer(webhooks.listing(runtime(), limit, start))


@bp.post("/webhooks")
@idempotent
def webhook_create() -> Response:
    return _answer(webhooks.create(runtime(), _body()), 201)


@bp.get("/webhooks/<notification_guid>")
def webhook_get(notification_guid: str) -> Response:
    guid = persons.parse_guid(notification_guid, "notification_guid")
    return _answer(webhooks.load(runtime(), guid))


@bp.put("/webhooks/<notification_guid>")
def webhook_update(notification_guid: str) -> Response:
    guid = persons.parse_guid(notification_guid, "notification_guid")
    webhooks.update(runtime(), guid, _body())
    # The spec's 200 "Success" has no body.
    return Response(status=200)
