"""The DollarPe API routes (CMS prefix `/cms/api/v1`, webhook config under `/org/api/v1`).

Each view authenticates (§2), parses the JSON body like DRF, calls one service function
and wraps its result in the success envelope; errors are ApiError, rendered by app.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from sandbox.dollarpe import auth, banks, customers, kyc, kyc_config, kyc_status, links
from sandbox.dollarpe.config import Org
from sandbox.dollarpe.envelopes import ApiError, success
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.validation import is_url, parse_uuid

CMS = "/cms/api/v1"
WEBHOOK_CONFIG = "/org/api/v1/organizations/api-webhooks"
EXTENSION_KEY = "dollarpe_sandbox"

Handler = Callable[..., Any]
bp = Blueprint("dollarpe_api", __name__)


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions[EXTENSION_KEY]
    return rt


def base_url() -> str:
    return runtime().startup.public_url or request.host_url.rstrip("/")


def parse_body() -> dict[str, Any]:
    """DRF JSONParser behaviour: GET and empty bodies are `{}`; anything else must be an object."""
    raw = request.get_data(cache=True)
    if request.method == "GET" or not raw.strip():
        return {}
    if request.mimetype != "application/json":
        text = f'Unsupported media type "{request.mimetype}" in request.'
        raise ApiError({"non_field_errors": [text]}, status=415)
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ApiError({"non_field_errors": [f"JSON parse error - {exc}"]}) from exc
    if not isinstance(body, dict):
        text = f"Invalid data. Expected a dictionary, but got {type(body).__name__}."
        raise ApiError({"non_field_errors": [text]})
    return body


def _endpoint(name: str, handler: Handler) -> Callable[..., Response]:
    def view(**kwargs: str) -> Response:
        rt = runtime()
        headers = request.headers
        org, timestamp = auth.check_headers(
            rt, headers.get("X-API-KEY", ""), headers.get("X-TIMESTAMP", "")
        )
        g.org = org.api_key
        body = parse_body()
        g.body = body
        signature = request.headers.get("X-SIGNATURE")
        g.signature_style = auth.check_signature(rt, org, timestamp, body, signature)
        return jsonify(success(handler(rt, org, body, **kwargs)))

    view.__name__ = name
    return view


def _route(rule: str, methods: list[str]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        bp.add_url_rule(rule, view_func=_endpoint(handler.__name__, handler), methods=methods)
        return handler

    return register


@_route(f"{CMS}/customer/create", ["POST"])
def customer_create(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return customers.create_customer(rt, org, body)


@_route(f"{CMS}/customer/list", ["GET"])
def customer_list(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return customers.list_customers(rt, org, request.args, base_url() + request.path)


@_route(f"{CMS}/customer/<customer_id>", ["GET"])
def customer_get(rt: Runtime, org: Org, body: dict[str, Any], customer_id: str) -> Any:
    return customers.get_customer(rt, org, customer_id)


@_route(f"{CMS}/kyc/configuration/<customer_id>", ["GET"])
def kyc_configuration(rt: Runtime, org: Org, body: dict[str, Any], customer_id: str) -> Any:
    customer = customers.load_customer(rt, org, parse_uuid(customer_id))
    return kyc_config.configuration_for(customer, rt.config)


@_route(f"{CMS}/kyc/add-kyc-data", ["POST"])
def kyc_add(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return kyc.add_kyc_data(rt, org, body)


# PATCH per the live API reference; POST too because the guides still say POST (§5.3).
@_route(f"{CMS}/kyc/update-document-info", ["PATCH", "POST"])
def kyc_update_document(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return kyc.update_kyc(rt, org, body, "document")


@_route(f"{CMS}/kyc/update-tax-info", ["PATCH", "POST"])
def kyc_update_tax(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return kyc.update_kyc(rt, org, body, "tax")


@_route(f"{CMS}/kyc/update-additional-info", ["PATCH", "POST"])
def kyc_update_additional(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return kyc.update_kyc(rt, org, body, "additional")


@_route(f"{CMS}/kyc/update-selfie-info", ["PATCH", "POST"])
def kyc_update_selfie(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return kyc.update_kyc(rt, org, body, "selfie")


@_route(f"{CMS}/kyc/reset-kyc", ["POST"])
def kyc_reset(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return kyc_status.reset_kyc(rt, org, body)


@_route(f"{CMS}/kyc/mock-kyc-status", ["PATCH"])
def kyc_mock_status(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return kyc_status.mock_kyc_status(rt, org, body)


@_route(f"{CMS}/kyc/generate-link", ["POST"])
def kyc_generate_link(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return links.generate_link(rt, org, body, base_url())


@_route(f"{CMS}/bank/create", ["POST"])
def bank_create(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return banks.create_bank(rt, org, body)


# The guide's older name for the same endpoint (§6.1).
@_route(f"{CMS}/bank/add-account", ["POST"])
def bank_add_account(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    return banks.create_bank(rt, org, body)


@_route(f"{CMS}/bank/list/<customer_id>", ["GET"])
def bank_list(rt: Runtime, org: Org, body: dict[str, Any], customer_id: str) -> Any:
    return banks.list_banks(rt, org, customer_id, request.args, base_url() + request.path)


@_route(f"{CMS}/bank/<customer_id>/<bank_id>", ["GET"])
def bank_get(rt: Runtime, org: Org, body: dict[str, Any], customer_id: str, bank_id: str) -> Any:
    return banks.get_bank(rt, org, customer_id, bank_id)


@_route(WEBHOOK_CONFIG, ["POST"])
def webhook_config(rt: Runtime, org: Org, body: dict[str, Any]) -> Any:
    """One URL per organisation; each call replaces it. `url` is the older field name."""
    key = "webhook_url" if "webhook_url" in body else "url"
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError({"webhook_url": ["Webhook URL is required"]})
    url = value.strip()
    if not is_url(url) or not url.startswith(("http://", "https://")):
        raise ApiError({"webhook_url": ["Enter a valid URL."]})
    rt.store.set_webhook_url(org.api_key, url)
    return url
