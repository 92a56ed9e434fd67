"""KYC SDK: `POST /kyc/generate-link` and the hosted page it points at (fact sheet §5.10).

DollarPe's link opens a vendor's KYC flow; ours opens a page on the emulator with two
buttons. Either puts the customer in PROCESSING with a pre-set result, decided after
`decision_delay` like any other submission, then redirects the browser to `redirect_url`.
"""

from __future__ import annotations

import html
import secrets
import time
from collections.abc import Mapping
from typing import Any

from sandbox.dollarpe.config import Org
from sandbox.dollarpe.customers import load_customer
from sandbox.dollarpe.envelopes import bad_request
from sandbox.dollarpe.kyc import KYC_ALREADY_EXISTS, start_processing
from sandbox.dollarpe.models import DOCUMENT_FAILED, FAILED, UNVERIFIED, VERIFIED
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.validation import Validator

HOSTED_PATH = "/hosted-kyc/"
_OPEN_STATUSES = (UNVERIFIED, FAILED)
_OUTCOMES: dict[str, dict[str, Any]] = {
    "approve": {"status": VERIFIED},
    "decline": {"status": FAILED, "failure_reason": DOCUMENT_FAILED},
}


def generate_link(rt: Runtime, org: Org, body: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    v = Validator(body)
    customer_id = v.uuid("customer_id")
    redirect_url = v.url("redirect_url")
    v.raise_if_errors()
    assert redirect_url is not None
    customer = load_customer(rt, org, customer_id)
    if customer.status not in _OPEN_STATUSES:
        raise bad_request("kyc", KYC_ALREADY_EXISTS)
    token = secrets.token_urlsafe(16)
    rt.store.add_link(token, customer.id, org.api_key, redirect_url)
    return {"customer_id": customer.id, "url": f"{base_url}{HOSTED_PATH}{token}"}


def link_problem(rt: Runtime, link: Mapping[str, Any] | None) -> str | None:
    """Why the link can no longer be used, or None when it can."""
    if link is None:
        return "Unknown link."
    if link["used"]:
        return "This link has already been used."
    if time.time() - float(link["created"]) > rt.config.link_ttl:
        return "This link has expired."
    customer = rt.store.customer(link["customer_id"])
    if customer is None or customer.status not in _OPEN_STATUSES:
        return "KYC is not open for this customer."
    return None


def page_html(rt: Runtime, token: str) -> tuple[str, int]:
    link = rt.store.link(token)
    problem = link_problem(rt, link)
    if problem or link is None:
        return _document(f"<p>{html.escape(problem or '')}</p>"), 410
    customer = rt.store.customer(link["customer_id"])
    name = html.escape(customer.full_name if customer else "")
    buttons = "".join(
        f'<button type="submit" name="outcome" value="{key}">{key.title()}</button>'
        for key in _OUTCOMES
    )
    return _document(f"<p>KYC for {name}</p><form method='post'>{buttons}</form>"), 200


def complete(rt: Runtime, token: str, outcome: str) -> tuple[str | None, str | None]:
    """(redirect URL, None) on success, else (None, reason)."""
    forced = _OUTCOMES.get(outcome)
    if forced is None:
        return None, "Unknown outcome."
    with rt.store.transaction():
        link = rt.store.link(token)
        problem = link_problem(rt, link)
        if problem or link is None:
            return None, problem
        customer = rt.store.customer(link["customer_id"])
        assert customer is not None
        customer.kyc = {"source": "hosted_link"}
        customer.document_type = "AADHAAR"
        start_processing(rt, customer, "hosted-link", forced=dict(forced))
        rt.store.save_customer(customer)
        rt.store.use_link(token)
    return str(link["redirect_url"]), None


def _document(body: str) -> str:
    head = "<head><title>DollarPe sandbox KYC</title></head>"
    return f"<!doctype html><html>{head}<body>{body}</body></html>"
