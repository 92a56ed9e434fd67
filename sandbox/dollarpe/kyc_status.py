"""Status-forcing endpoints: reset-kyc (§5.8) and the sandbox mock-kyc-status (§5.9)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.dollarpe import decisions, webhooks
from sandbox.dollarpe.config import Org, RuntimeConfig
from sandbox.dollarpe.customers import load_customer
from sandbox.dollarpe.envelopes import bad_request
from sandbox.dollarpe.models import (
    DOCUMENT_FAILED,
    FAILED,
    KYC_FAILED,
    PROCESSING,
    SELFIE_FAILED,
    TAX_FAILED,
    UNVERIFIED,
    VERIFIED,
    Customer,
)
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.validation import Validator

RESET_NOT_ALLOWED = "KYC can only be reset for VERIFIED customers"
INVALID_TRANSITION = "Invalid status transition"

# §5.9: what `kyc_status` may be sent from each current status.
DOCUMENTED_TRANSITIONS: dict[str, frozenset[str]] = {
    UNVERIFIED: frozenset(),
    FAILED: frozenset({UNVERIFIED}),
    VERIFIED: frozenset({UNVERIFIED}),
    PROCESSING: frozenset({TAX_FAILED, DOCUMENT_FAILED, VERIFIED, UNVERIFIED}),
}
# Our extension (config `mock_extended_failures`), plus the additional-info failure code.
EXTENDED_FAILURES = frozenset({SELFIE_FAILED, KYC_FAILED})


def allowed_targets(current: str, config: RuntimeConfig) -> frozenset[str]:
    allowed = DOCUMENTED_TRANSITIONS.get(current, frozenset())
    if current == PROCESSING and config.mock_extended_failures:
        allowed |= EXTENDED_FAILURES | {config.additional_info_failure_code}
    return allowed


def known_values(config: RuntimeConfig) -> frozenset[str]:
    values = DOCUMENTED_TRANSITIONS[PROCESSING] | EXTENDED_FAILURES
    return values | {FAILED, PROCESSING, config.additional_info_failure_code}


def reset_kyc(rt: Runtime, org: Org, body: Mapping[str, Any]) -> dict[str, Any]:
    v = Validator(body)
    customer_id = v.uuid("customer_id")
    v.raise_if_errors()
    with rt.store.transaction():
        customer = load_customer(rt, org, customer_id)
        if customer.status != VERIFIED:
            raise bad_request("kyc", RESET_NOT_ALLOWED)
        clear_kyc(rt, customer, "reset-kyc")
        rt.store.save_customer(customer)
    return {"id": customer.id, "status": customer.status}


def clear_kyc(rt: Runtime, customer: Customer, cause: str) -> None:
    """Back to UNVERIFIED without KYC data, so add-kyc-data can be sent again."""
    rt.store.cancel_jobs(decisions.KYC_JOB, customer.id)
    customer.status = UNVERIFIED
    customer.failure_reason = None
    customer.document_type = None
    customer.kyc = None
    customer.documents = []
    customer.generation += 1
    if rt.config.reset_clears_update_count:
        customer.update_count = 0
    decisions.record_history(customer.history, UNVERIFIED, None, cause)


def mock_kyc_status(rt: Runtime, org: Org, body: Mapping[str, Any]) -> dict[str, Any]:
    v = Validator(body)
    customer_id = v.uuid("customer_id")
    target = v.choice("kyc_status", sorted(known_values(rt.config)))
    v.raise_if_errors()
    assert target is not None
    with rt.store.transaction():
        customer = load_customer(rt, org, customer_id)
        if target not in allowed_targets(customer.status, rt.config):
            raise bad_request("kyc_status", INVALID_TRANSITION)
        _apply_mock(rt, customer, target)
        rt.store.save_customer(customer)
    return {"id": customer.id, "status": customer.status}


def _apply_mock(rt: Runtime, customer: Customer, target: str) -> None:
    if target == UNVERIFIED:
        clear_kyc(rt, customer, "mock-kyc-status")
        return
    # The pending automatic decision must not overwrite the mocked result.
    rt.store.cancel_jobs(decisions.KYC_JOB, customer.id)
    customer.generation += 1
    status = VERIFIED if target == VERIFIED else FAILED
    customer.status = status
    customer.failure_reason = None if status == VERIFIED else target
    decisions.record_history(customer.history, status, customer.failure_reason, "mock-kyc-status")
    metadata = {"failure_reason": customer.failure_reason} if status == FAILED else {}
    webhooks.emit(rt, customer.org, "CUSTOMER", customer.id, status, metadata)
