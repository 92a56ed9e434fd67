"""Bank account / UPI endpoints (fact sheet §6): create, get one, list."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from sandbox.dollarpe import decisions
from sandbox.dollarpe.config import Org, RuntimeConfig
from sandbox.dollarpe.customers import load_customer
from sandbox.dollarpe.envelopes import ApiError, bad_request
from sandbox.dollarpe.models import ACCOUNT_DETAILS, FAILED, VERIFIED, BankAccount, Customer
from sandbox.dollarpe.pagination import page_body, page_params, resolve_last
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.validation import REQUIRED, Validator, parse_uuid

MAX_PER_KIND = 3
_VPA = re.compile(r"[A-Za-z0-9._\-]{1,256}@[A-Za-z][A-Za-z0-9.\-]{1,64}")
EITHER = "Either account_number and ifsc, or vpa, is required."
NOT_BOTH = "Send either account_number and ifsc, or vpa, not both."
INVALID_VPA = "Enter a valid VPA."


def _fields(v: Validator, config: RuntimeConfig) -> dict[str, Any]:
    account_number = v.string("account_number", required=False)
    # `ifsc` is the live name; `ifsc_code` is accepted from older clients.
    ifsc = v.string("ifsc", required=False)
    if ifsc is None and "ifsc" not in v.body:
        ifsc = v.string("ifsc_code", required=False)
    vpa = v.string("vpa", required=False)
    account_name = v.string("account_name", required=config.bank_account_name_required)
    if vpa and (account_number or ifsc):
        v.add("non_field_errors", NOT_BOTH)
    elif not vpa and not account_number and not ifsc:
        v.add("non_field_errors", EITHER)
    elif not vpa:
        for name, value in (("account_number", account_number), ("ifsc", ifsc)):
            if not value and name not in v.errors:
                v.add(name, REQUIRED)
    if vpa and not _VPA.fullmatch(vpa):
        v.add("vpa", INVALID_VPA)
    return {
        "account_number": account_number,
        "ifsc": ifsc,
        "vpa": vpa,
        "account_name": account_name,
    }


def create_bank(rt: Runtime, org: Org, body: Mapping[str, Any]) -> dict[str, Any]:
    config = rt.config
    v = Validator(body)
    customer_id = v.uuid("customer_id")
    fields = _fields(v, config)
    v.raise_if_errors()
    with rt.store.transaction():
        customer = load_customer(rt, org, customer_id)
        if customer.status != VERIFIED:
            raise bad_request("customer", "Customer is unverified")
        _check_limits(rt, customer, fields)
        kind = config.vpa_account_type if fields["vpa"] else ACCOUNT_DETAILS
        bank = BankAccount(
            id=str(uuid.uuid4()),
            customer_id=customer.id,
            org=org.api_key,
            bank_account_type=kind,
            created_at=time.time(),
            **fields,
        )
        decisions.record_history(bank.history, bank.status, None, "bank/create")
        if config.instant_bank:
            decisions.apply_bank_outcome(
                rt, bank, customer.full_name, announce=config.instant_bank_webhook
            )
        else:
            decisions.schedule_bank(rt, bank)
        rt.store.save_bank(bank)
    return bank.public()


def _check_limits(rt: Runtime, customer: Customer, fields: Mapping[str, Any]) -> None:
    """Duplicates are refused emulator-wide [I]; at most 3 accounts and 3 VPAs per customer."""
    include_failed = rt.config.bank_count_failed
    column = "vpa" if fields["vpa"] else "account_number"
    if rt.store.bank_clash(column, fields[column], include_failed):
        text = "VPA already in use" if column == "vpa" else "Account number already in use"
        raise bad_request(column, text)
    same_kind = [
        bank
        for bank in rt.store.banks(customer.id)
        if bool(bank.vpa) == bool(fields["vpa"]) and (include_failed or bank.status != FAILED)
    ]
    if len(same_kind) >= MAX_PER_KIND:
        text = (
            "Maximum 3 UPI IDs allowed"
            if column == "vpa"
            else "Maximum 3 bank account details allowed"
        )
        raise bad_request(column, text)


def get_bank(rt: Runtime, org: Org, customer_id: str, bank_id: str) -> dict[str, Any]:
    customer = load_customer(rt, org, parse_uuid(customer_id))
    canonical = parse_uuid(bank_id)
    bank = rt.store.bank(canonical) if canonical else None
    if bank is None or bank.customer_id != customer.id:
        raise ApiError({"bank": ["Bank not found or access denied"]})
    return bank.public()


def list_banks(
    rt: Runtime, org: Org, customer_id: str, args: Mapping[str, str], base_url: str
) -> dict[str, Any]:
    customer = load_customer(rt, org, parse_uuid(customer_id))
    page, size = page_params(args, rt.config.page_size)
    banks = rt.store.banks(customer.id)
    page = resolve_last(page, size, len(banks))
    results = [bank.public() for bank in banks[(page - 1) * size : page * size]]
    return page_body(
        count=len(banks), results=results, page=page, size=size, base_url=base_url, args=args
    )
