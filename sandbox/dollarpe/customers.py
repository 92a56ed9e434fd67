"""Customer endpoints (fact sheet §4): create, get, list; plus the shared org-scoped lookup."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from sandbox.dollarpe.config import Org
from sandbox.dollarpe.countries import is_alpha_3
from sandbox.dollarpe.envelopes import ApiError, customer_not_found
from sandbox.dollarpe.models import Customer
from sandbox.dollarpe.pagination import page_body, page_params, resolve_last
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.validation import Validator, parse_uuid

INVALID_COUNTRY = "Invalid country code"
INVALID_PHONE = "Enter a valid phone number."
_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_phone(raw: str, country: str | None) -> str | None:
    """E.164, or None when we cannot tell the number's country code.

    Indian numbers may come as 10 digits (optionally with a leading 0 or 91) when the
    nationality is IND; everything else must already carry `+` or `00` and its code.
    """
    number = _SEPARATORS.sub("", raw)
    if number.startswith("00"):
        number = "+" + number[2:]
    if re.fullmatch(r"\+[1-9]\d{7,14}", number):
        return number
    if country == "IND" and re.fullmatch(r"0?\d{10}", number):
        return "+91" + number[-10:]
    if country == "IND" and re.fullmatch(r"91\d{10}", number):
        return "+" + number
    return None


def load_customer(rt: Runtime, org: Org, customer_id: str | None) -> Customer:
    """The caller's customer, or 400 "Customer not found or access denied"."""
    customer = rt.store.customer(customer_id) if customer_id else None
    if customer is None or customer.org != org.api_key:
        raise customer_not_found()
    return customer


def create_customer(rt: Runtime, org: Org, body: Mapping[str, Any]) -> dict[str, Any]:
    fields = _validated_fields(rt, body)
    with rt.store.transaction():
        _check_unique(rt, org, fields)
        customer = Customer(id=str(uuid.uuid4()), org=org.api_key, created_at=time.time(), **fields)
        rt.store.save_customer(customer)
    return customer.public()


def _validated_fields(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    v = Validator(body)
    full_name = v.string("full_name")
    email = v.email("email")
    phone = v.string("phone", required=rt.config.phone_required, max_length=32)
    country = v.string("alpha_3_country_code")
    reference = v.string("client_reference_id", required=False)
    non_resident = v.boolean("non_residence_status", required=False)
    residence = v.string("residence_alpha_3_country_code", required=False)
    for name, code in (
        ("alpha_3_country_code", country),
        ("residence_alpha_3_country_code", residence),
    ):
        if code is not None and not is_alpha_3(code):
            v.add(name, INVALID_COUNTRY)
    e164 = normalise_phone(phone, country) if phone else None
    # A bad country already explains a local number we cannot place; report it alone.
    if phone and e164 is None and "alpha_3_country_code" not in v.errors:
        v.add("phone", INVALID_PHONE)
    v.raise_if_errors()
    return {
        "full_name": full_name,
        "email": email,
        "phone": e164,
        "country": country,
        "client_reference_id": reference,
        "non_residence_status": bool(non_resident),
        "residence_alpha_3_country_code": residence,
    }


def _check_unique(rt: Runtime, org: Org, fields: Mapping[str, Any]) -> None:
    """Email, phone and client reference are unique per organisation [I]."""
    errors: dict[str, Any] = {}
    if rt.store.customer_clash(org.api_key, "email", str(fields["email"]).lower()):
        errors["email"] = ["Email already in use"]
    if fields["phone"] and rt.store.customer_clash(org.api_key, "phone", fields["phone"]):
        errors["phone"] = ["Phone already in use"]
    reference = fields["client_reference_id"]
    if reference and rt.store.customer_clash(org.api_key, "client_reference_id", reference):
        errors["client_reference_id"] = ["Client Reference ID already exists"]
    if errors:
        raise ApiError(errors)


def get_customer(rt: Runtime, org: Org, customer_id: str) -> dict[str, Any]:
    return load_customer(rt, org, parse_uuid(customer_id)).public()


def list_customers(rt: Runtime, org: Org, args: Mapping[str, str], base_url: str) -> dict[str, Any]:
    page, size = page_params(args, rt.config.page_size)
    count, _ = rt.store.customers(org.api_key, 0, 0)
    page = resolve_last(page, size, count)
    _, customers = rt.store.customers(org.api_key, (page - 1) * size, size)
    results = [c.public(with_document_type=False) for c in customers]
    return page_body(
        count=count, results=results, page=page, size=size, base_url=base_url, args=args
    )
