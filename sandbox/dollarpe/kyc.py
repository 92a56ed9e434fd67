"""KYC submission endpoints: add-kyc-data and the four update-* endpoints (§5.2-§5.7)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sandbox.dollarpe import decisions
from sandbox.dollarpe.config import Org, RuntimeConfig
from sandbox.dollarpe.customers import load_customer
from sandbox.dollarpe.envelopes import ApiError, bad_request
from sandbox.dollarpe.kyc_config import (
    RESIDENT,
    additional_info_errors,
    configuration_for,
    document_types,
)
from sandbox.dollarpe.models import FAILED, KYC_FAILED, PROCESSING, UNVERIFIED, Customer
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.validation import Validator

KYC_ALREADY_EXISTS = "KYC already exists"
KYC_IN_USE = "KYC already in use"
UPDATE_NOT_ALLOWED = "KYC can only be updated when its status is FAILED"

# Field collectors: (validator, runtime config, KYC configuration) -> the fields to store.
Collector = Callable[[Validator, RuntimeConfig, Mapping[str, Any]], dict[str, Any]]


def _identity(v: Validator, config: RuntimeConfig) -> dict[str, Any]:
    return {
        "full_name": v.string("full_name"),
        "phone": v.string("phone", required=config.kyc_phone_required, max_length=32),
        "dob": v.date("dob"),
        "registered_date": v.date("registered_date"),
        "tax_number": v.string("tax_number", required=config.kyc_tax_number_required),
    }


def _document(
    v: Validator, config: RuntimeConfig, configuration: Mapping[str, Any]
) -> dict[str, Any]:
    fields = {
        "full_address": v.string("full_address"),
        "document_type": v.choice("document_type", document_types(configuration)),
        "document_front_image_url": v.url("document_front_image_url"),
        "document_back_image_url": v.url("document_back_image_url"),
        "document_details": _document_details(v),
    }
    phone = v.string("phone", required=False, max_length=32)
    if phone is not None:
        fields["phone"] = phone
    return fields


def _document_details(v: Validator) -> dict[str, Any] | None:
    details = v.mapping("document_details")
    if details is None:
        return None
    inner = Validator(details)
    number = inner.string("document_number")
    extra = inner.mapping("additional_data", required=False)
    if inner.errors:
        v.add("document_details", inner.errors)
        return None
    return {"document_number": number, "additional_data": extra or {}}


def _selfie(
    v: Validator, config: RuntimeConfig, configuration: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "selfie_url": v.url("selfie_url"),
        "selfie_verification_status": v.boolean("selfie_verification_status"),
    }


def _selfie_update(
    v: Validator, config: RuntimeConfig, configuration: Mapping[str, Any]
) -> dict[str, Any]:
    # A new selfie is judged afresh: the partner's old liveness verdict no longer applies.
    status = v.boolean("selfie_verification_status", required=False)
    return {"selfie_url": v.url("selfie_url"), "selfie_verification_status": status is not False}


def _additional(
    v: Validator, config: RuntimeConfig, configuration: Mapping[str, Any]
) -> dict[str, Any]:
    info = v.body.get("additional_info")
    for message in additional_info_errors(configuration, info):
        v.add("additional_info", message)
    return {"additional_info": info if isinstance(info, dict) else {}}


def _tax(v: Validator, config: RuntimeConfig, configuration: Mapping[str, Any]) -> dict[str, Any]:
    return {"tax_number": v.string("tax_number")}


def _full(v: Validator, config: RuntimeConfig, configuration: Mapping[str, Any]) -> dict[str, Any]:
    fields = _identity(v, config)
    fields.update(_document(v, config, configuration))
    fields.update(_selfie(v, config, configuration))
    fields.update(_additional(v, config, configuration))
    return fields


# update kind -> (collector, text of the update-limit error as each docs page spells it)
UPDATES: dict[str, tuple[Collector, str]] = {
    "document": (_document, "Kyc update limit exceeded"),
    "tax": (_tax, "Limit exceeded"),
    "additional": (_additional, "Kyc update limit exceeded"),
    "selfie": (_selfie_update, "Kyc update limit exceeded"),
}


def _validate(
    rt: Runtime, org: Org, body: Mapping[str, Any], collect: Collector
) -> tuple[str | None, dict[str, Any]]:
    """Field validation first, like a DRF serializer; business rules come afterwards."""
    v = Validator(body)
    customer_id = v.uuid("customer_id")
    found = rt.store.customer(customer_id) if customer_id else None
    mine = found if found is not None and found.org == org.api_key else None
    configuration = configuration_for(mine, rt.config) if mine else RESIDENT
    fields = collect(v, rt.config, configuration)
    v.raise_if_errors()
    return customer_id, {k: val for k, val in fields.items() if val is not None}


def add_kyc_data(rt: Runtime, org: Org, body: Mapping[str, Any]) -> dict[str, Any]:
    customer_id, fields = _validate(rt, org, body, _full)
    with rt.store.transaction():
        customer = load_customer(rt, org, customer_id)
        if customer.status != UNVERIFIED or customer.kyc is not None:
            raise bad_request("kyc", KYC_ALREADY_EXISTS)
        _check_in_use(rt, customer, fields)
        customer.kyc = fields
        customer.document_type = fields.get("document_type")
        start_processing(rt, customer, "add-kyc-data")
        rt.store.save_customer(customer)
    return {"id": customer.id, "status": customer.status, "failure_reason": None}


def update_kyc(rt: Runtime, org: Org, body: Mapping[str, Any], kind: str) -> dict[str, Any]:
    collect, limit_text = UPDATES[kind]
    customer_id, fields = _validate(rt, org, body, collect)
    with rt.store.transaction():
        customer = load_customer(rt, org, customer_id)
        _check_update_allowed(rt, customer, limit_text)
        _check_in_use(rt, customer, fields)
        customer.kyc = {**(customer.kyc or {}), **fields}
        customer.document_type = customer.kyc.get("document_type")
        customer.update_count += 1
        start_processing(rt, customer, f"update-{kind}-info")
        rt.store.save_customer(customer)
    return {
        "id": customer.id,
        "status": rt.config.update_response_status,
        "failure_reason": None,
    }


def _check_update_allowed(rt: Runtime, customer: Customer, limit_text: str) -> None:
    if customer.status != FAILED:
        raise bad_request("kyc", UPDATE_NOT_ALLOWED)
    used_up = customer.update_count >= rt.config.update_limit
    if used_up or customer.failure_reason == KYC_FAILED:
        raise bad_request("kyc", limit_text)


def _check_in_use(rt: Runtime, customer: Customer, fields: Mapping[str, Any]) -> None:
    """The same PAN or document number attached to another customer [I, §14 q17]."""
    org = customer.org if rt.config.kyc_in_use_scope == "org" else None
    tax_number = fields.get("tax_number")
    details = fields.get("document_details") or {}
    number = details.get("document_number")
    if (tax_number and rt.store.kyc_in_use("tax_number", tax_number, customer.id, org)) or (
        number and rt.store.kyc_in_use("document_number", number, customer.id, org)
    ):
        raise ApiError({"kyc": [KYC_IN_USE]})


def start_processing(
    rt: Runtime, customer: Customer, cause: str, forced: dict[str, Any] | None = None
) -> None:
    """Move to PROCESSING and queue a fresh decision; any older pending one goes stale."""
    rt.store.cancel_jobs(decisions.KYC_JOB, customer.id)
    customer.status = PROCESSING
    customer.failure_reason = None
    customer.generation += 1
    decisions.record_history(customer.history, PROCESSING, None, cause)
    decisions.schedule_kyc(rt, customer, forced)
