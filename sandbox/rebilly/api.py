"""Rebilly's REST routes under `/organizations/<organizationId>/` (fact sheet §1-§7).

Every call authenticates with `REB-APIKEY`: a missing key, one not shaped `sk_sandbox_...`
or one the emulator does not know is a 401; a known key used on another organization's path
is a 403. Non-GET calls then count against the organization's rate limit (a 429 carries
`X-RateLimit-Retry-After`, the UTC Unix time the window resets); every API answer carries
`X-RateLimit-Limit` and `X-RateLimit-Remaining`. Each view validates, calls one function of
its resource module and answers JSON (a create: 201 with `Location`).
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from sandbox.rebilly import customers, files, kyc, webhooks
from sandbox.rebilly.config import API_KEY
from sandbox.rebilly.context import runtime
from sandbox.rebilly.listing import Page
from sandbox.rebilly.problems import Problem, invalid_field
from sandbox.rebilly.ratelimit import Quota

PREFIX = "/organizations/"
bp = Blueprint("rebilly_api", __name__, url_prefix="/organizations/<org_id>")
_UNCOUNTED = ("GET", "HEAD", "OPTIONS")


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIX)


def path_org(path: str) -> str:
    return path.removeprefix(PREFIX).split("/", 1)[0]


def quota_for(org_id: str, *, count: bool) -> Quota:
    rt = runtime()
    config = rt.config
    return rt.limiter.check(
        org_id,
        limit=config.rate_limit,
        window=config.rate_limit_window,
        now=time.time(),
        count=count,
    )


@bp.url_value_preprocessor
def _take_org(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.path_org = (values or {}).pop("org_id", "")


@bp.before_request
def _authenticate() -> None:
    rt = runtime()
    key = request.headers.get("REB-APIKEY", "")
    if not key:
        raise Problem(401, "Send your secret API key in the REB-APIKEY header.")
    org = rt.org_of_key(key) if API_KEY.match(key) else None
    if org is None:
        raise Problem(401, "Invalid API key.")
    if org.organization_id != g.path_org:
        raise Problem(403, f"This API key has no access to organization {g.path_org!r}.")
    g.org = org.organization_id
    g.quota = quota_for(g.org, count=request.method not in _UNCOUNTED)
    if g.quota.retry_after is not None:
        raise Problem(
            429,
            "Too many requests: the rate limit of this organization is used up.",
            headers={"X-RateLimit-Retry-After": str(g.quota.retry_after)},
        )


def _body() -> Any:
    """The JSON body; an empty one is `{}`. Anything unparsable is a 422 (the spec has no 400)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise invalid_field("body", "Send the body as application/json.")
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_field("body", "The body is not valid JSON.") from None


def _answer(body: Any, status: int = 200, location: str | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    if location:
        response.headers["Location"] = location
    return response


def _page(page: Page) -> Response:
    response = _answer(page.items)
    response.headers.update(page.headers())
    return response


def _no_content() -> Response:
    return Response(status=204, mimetype="application/json")


def _href(path: str) -> str:
    return f"{runtime().api_base(g.org)}{path}"


def _args() -> dict[str, str]:
    return dict(request.args.items())


def _expand(name: str) -> bool:
    return name in [part.strip() for part in request.args.get("expand", "").split(",")]


# --- customers ------------------------------------------------------------------------------


@bp.get("/customers")
def customer_list() -> Response:
    return _page(customers.collection(runtime(), g.org, _args()))


@bp.post("/customers")
def customer_create() -> Response:
    rt = runtime()
    customer = customers.create(rt, g.org, _body())
    return _answer(customers.render(rt, customer), 201, _href(f"/customers/{customer.id}"))


@bp.get("/customers/<customer_id>")
def customer_get(customer_id: str) -> Response:
    rt = runtime()
    return _answer(customers.render(rt, customers.load(rt, g.org, customer_id)))


@bp.put("/customers/<customer_id>")
def customer_put(customer_id: str) -> Response:
    rt = runtime()
    customer, created = customers.upsert(rt, g.org, customer_id, _body())
    if created:
        return _answer(customers.render(rt, customer), 201, _href(f"/customers/{customer.id}"))
    return _answer(customers.render(rt, customer))


# --- KYC requests ---------------------------------------------------------------------------


@bp.get("/kyc-requests")
def request_list() -> Response:
    return _page(kyc.request_collection(runtime(), g.org, _args()))


@bp.post("/kyc-requests")
def request_create() -> Response:
    rt = runtime()
    created = kyc.create_request(rt, g.org, _body())
    body = kyc.render_request(rt, created, expand=_expand("documents"))
    return _answer(body, 201, _href(f"/kyc-requests/{created.id}"))


@bp.get("/kyc-requests/<request_id>")
def request_get(request_id: str) -> Response:
    rt = runtime()
    found = kyc.load_request(rt, g.org, request_id)
    return _answer(kyc.render_request(rt, found, expand=_expand("documents")))


@bp.patch("/kyc-requests/<request_id>")
def request_patch(request_id: str) -> Response:
    rt = runtime()
    changed = kyc.patch_request(rt, g.org, request_id, _body())
    return _answer(kyc.render_request(rt, changed, expand=_expand("documents")))


@bp.delete("/kyc-requests/<request_id>")
def request_delete(request_id: str) -> Response:
    kyc.delete_request(runtime(), g.org, request_id)
    return _no_content()


# --- KYC documents --------------------------------------------------------------------------


@bp.get("/kyc-documents")
def document_list() -> Response:
    return _page(kyc.document_collection(runtime(), g.org, _args()))


@bp.get("/kyc-documents/<document_id>")
def document_get(document_id: str) -> Response:
    rt = runtime()
    return _answer(kyc.render_document(rt, kyc.load_document(rt, g.org, document_id)))


@bp.post("/kyc-documents/<document_id>/acceptance")
def document_accept(document_id: str) -> Response:
    rt = runtime()
    document = kyc.load_document(rt, g.org, document_id)
    kyc.decide(rt, document, "accepted", staff=True)
    body = kyc.render_document(rt, document)
    return _answer(body, 201, _href(f"/kyc-documents/{document.id}"))


@bp.post("/kyc-documents/<document_id>/rejection")
def document_reject(document_id: str) -> Response:
    rt = runtime()
    document = kyc.load_document(rt, g.org, document_id)
    kyc.decide(rt, document, "rejected", kyc.rejection(_body()), staff=True)
    body = kyc.render_document(rt, document)
    return _answer(body, 201, _href(f"/kyc-documents/{document.id}"))


# --- files ----------------------------------------------------------------------------------


@bp.get("/files")
def file_list() -> Response:
    return _page(files.collection(runtime(), g.org, _args()))


@bp.post("/files")
def file_create() -> Response:
    rt = runtime()
    stored = files.create(rt, g.org, _body())
    return _answer(files.render(rt, stored), 201, _href(f"/files/{stored.id}"))


# --- webhook credentials, webhooks and their tracking ---------------------------------------


@bp.get("/service-credentials/<kind>")
def credential_list(kind: str) -> Response:
    return _page(webhooks.credential_collection(runtime(), g.org, kind, _args()))


@bp.post("/service-credentials/<kind>")
def credential_create(kind: str) -> Response:
    rt = runtime()
    credential, created = webhooks.create_credential(rt, g.org, kind, _body())
    # 303: "existing service credential retrieved" (an identical one already exists).
    status = 201 if created else 303
    href = webhooks.credential_href(rt, credential)
    return _answer(webhooks.render_credential(rt, credential), status, href)


@bp.get("/service-credentials/<kind>/<credential_id>")
def credential_get(kind: str, credential_id: str) -> Response:
    rt = runtime()
    credential = webhooks.load_credential(rt, g.org, kind, credential_id)
    return _answer(webhooks.render_credential(rt, credential))


@bp.get("/webhooks")
def webhook_list() -> Response:
    return _page(webhooks.webhook_collection(runtime(), g.org, _args()))


@bp.post("/webhooks")
def webhook_create() -> Response:
    rt = runtime()
    webhook, _ = webhooks.put_webhook(rt, g.org, _body())
    return _answer(webhooks.render_webhook(rt, webhook), 201, _href(f"/webhooks/{webhook.id}"))


@bp.get("/webhooks/<webhook_id>")
def webhook_get(webhook_id: str) -> Response:
    rt = runtime()
    return _answer(webhooks.render_webhook(rt, webhooks.load_webhook(rt, g.org, webhook_id)))


@bp.put("/webhooks/<webhook_id>")
def webhook_put(webhook_id: str) -> Response:
    rt = runtime()
    webhook, created = webhooks.put_webhook(rt, g.org, _body(), webhook_id)
    location = _href(f"/webhooks/{webhook.id}") if created else None
    return _answer(webhooks.render_webhook(rt, webhook), 201 if created else 200, location)


@bp.delete("/webhooks/<webhook_id>")
def webhook_delete(webhook_id: str) -> Response:
    rt = runtime()
    webhooks.load_webhook(rt, g.org, webhook_id)
    rt.store.remove(webhooks.WEBHOOK, webhook_id)
    return _no_content()


@bp.get("/tracking/webhooks")
def tracking_list() -> Response:
    return _page(webhooks.tracking_collection(runtime(), g.org, _args()))


@bp.get("/tracking/webhooks/<log_id>")
def tracking_get(log_id: str) -> Response:
    return _answer(webhooks.load_tracking(runtime(), g.org, log_id)[1])


@bp.post("/tracking/webhooks/<log_id>/resend")
def tracking_resend(log_id: str) -> Response:
    rt = runtime()
    delivery_id, _ = webhooks.load_tracking(rt, g.org, log_id)
    webhooks.resend(rt, delivery_id)
    return _no_content()
