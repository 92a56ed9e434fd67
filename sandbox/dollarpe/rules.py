"""Deterministic verification outcomes of the emulator (our own magic values).

DollarPe documents no sandbox magic values (fact sheet §14 q10), so these are ours.
KYC checks run in this order and the first failure wins (as DollarPe runs document
verification only after the tax check passes):

| # | Input                                           | Outcome                                 |
|---|-------------------------------------------------|-----------------------------------------|
| 1 | `dob` = `01-01-1900`                            | `KYC_FAILED` (terminal)                 |
| 2 | `tax_number` whose digits are `0000`            | `TAX_VERIFICATION_FAILED`               |
|   | (e.g. `ABCPE0000F`)                             |                                         |
| 3 | `document_details.document_number` starts       | `DOCUMENT_VERIFICATION_FAILED`          |
|   | with `0000`                                     |                                         |
| 4 | front/back URL unreachable, non-2xx, over       | `DOCUMENT_VERIFICATION_FAILED`          |
|   | the size cap, or not JPEG/PNG/PDF (magic bytes) |                                         |
| 5 | `selfie_verification_status` = `false`          | `SELFIE_VERIFICATION_FAILED`            |
| 6 | selfie URL unreachable, non-2xx, over the       | `SELFIE_VERIFICATION_FAILED`            |
|   | size cap, or not JPEG/PNG (a PDF selfie fails)  |                                         |
| 7 | any `additional_info` value equal to `FAIL`     | config `additional_info_failure_code`   |
|   |                                                 | (`ADDITIONAL_INFO_VERIFICATION_FAILED`) |
| - | anything else                                   | VERIFIED                                |

Every failure sets status FAILED with that `failure_reason`.

A failure decided when the customer has no updates left (update_count = update_limit)
gets config `limit_failure_reason` (default `KYC_FAILED`) instead.

Bank accounts and VPAs, same first-failure-wins order:

| # | Input                                                    | Outcome                  |
|---|----------------------------------------------------------|--------------------------|
| 1 | `account_name` given and not equal to the customer's     | `NAME_MISMATCH`          |
|   | `full_name` (case-insensitive, whitespace ignored)       |                          |
| 2 | `account_number` starts with `000`                       | `INVALID_ACCOUNT_NUMBER` |
| 3 | `ifsc` starts with `XXXX`                                | `INVALID_IFSC`           |
| 4 | `vpa` local part (before `@`) starts with `fail`         | `PENNY_DROP_FAILED`      |
| - | anything else                                            | VERIFIED                 |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.dollarpe.documents import DocumentCheck
from sandbox.dollarpe.models import (
    DOCUMENT_FAILED,
    FAILED,
    KYC_FAILED,
    SELFIE_FAILED,
    TAX_FAILED,
    VERIFIED,
)

BLOCKED_DOB = "01-01-1900"
FAIL_VALUE = "FAIL"
NAME_MISMATCH = "NAME_MISMATCH"
INVALID_ACCOUNT_NUMBER = "INVALID_ACCOUNT_NUMBER"
INVALID_IFSC = "INVALID_IFSC"
PENNY_DROP_FAILED = "PENNY_DROP_FAILED"

# (role, url) -> result; injected so the rules stay pure and unit-testable.
Fetcher = Callable[[str, str], DocumentCheck]


@dataclass(frozen=True)
class Outcome:
    status: str
    failure_reason: str | None = None
    documents: tuple[DocumentCheck, ...] = field(default=())


def decide_kyc(kyc: Mapping[str, Any], fetch: Fetcher, additional_info_code: str) -> Outcome:
    """Apply the KYC table above; documents are fetched only when their check is reached."""
    if kyc.get("dob") == BLOCKED_DOB:
        return Outcome(FAILED, KYC_FAILED)
    if _digits(kyc.get("tax_number")) == "0000":
        return Outcome(FAILED, TAX_FAILED)
    details = kyc.get("document_details") or {}
    if str(details.get("document_number", "")).startswith("0000"):
        return Outcome(FAILED, DOCUMENT_FAILED)
    fetched: list[DocumentCheck] = []
    for role in ("document_front", "document_back"):
        url = kyc.get(f"{role}_image_url")
        if url:
            fetched.append(fetch(role, url))
    if not all(check.ok for check in fetched):
        return Outcome(FAILED, DOCUMENT_FAILED, tuple(fetched))
    if kyc.get("selfie_verification_status") is False:
        return Outcome(FAILED, SELFIE_FAILED, tuple(fetched))
    if kyc.get("selfie_url"):
        fetched.append(fetch("selfie", kyc["selfie_url"]))
        if not fetched[-1].ok:
            return Outcome(FAILED, SELFIE_FAILED, tuple(fetched))
    if FAIL_VALUE in (kyc.get("additional_info") or {}).values():
        return Outcome(FAILED, additional_info_code, tuple(fetched))
    return Outcome(VERIFIED, None, tuple(fetched))


def decide_bank(
    *,
    full_name: str,
    account_name: str | None,
    account_number: str | None,
    ifsc: str | None,
    vpa: str | None,
) -> Outcome:
    if account_name and _name_key(account_name) != _name_key(full_name):
        return Outcome(FAILED, NAME_MISMATCH)
    if account_number and account_number.startswith("000"):
        return Outcome(FAILED, INVALID_ACCOUNT_NUMBER)
    if ifsc and ifsc.upper().startswith("XXXX"):
        return Outcome(FAILED, INVALID_IFSC)
    if vpa and vpa.split("@", 1)[0].lower().startswith("fail"):
        return Outcome(FAILED, PENNY_DROP_FAILED)
    return Outcome(VERIFIED)


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def _name_key(name: str) -> str:
    return "".join(name.split()).casefold()
