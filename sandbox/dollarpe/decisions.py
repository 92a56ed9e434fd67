"""Turn PROCESSING customers and bank accounts into VERIFIED/FAILED, and announce it.

Decisions run in the job thread (or on demand through `/_sandbox/decide`). Document
downloads happen outside the store lock; the result is applied only if the entity is still
in the state the decision was computed for (the `generation` check), so a mock status
change or an update that raced with the download wins.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sandbox.dollarpe import rules, webhooks
from sandbox.dollarpe.documents import DocumentCheck, fetch_document
from sandbox.dollarpe.models import FAILED, PROCESSING, BankAccount, Customer
from sandbox.dollarpe.runtime import Runtime

log = logging.getLogger(__name__)

KYC_JOB = "kyc_decision"
BANK_JOB = "bank_decision"


def schedule_kyc(rt: Runtime, customer: Customer, forced: dict[str, Any] | None = None) -> None:
    """Queue the decision for the customer's current generation, if auto decisions are on."""
    if forced is None and not rt.config.auto_decision:
        return
    payload: dict[str, Any] = {"customer_id": customer.id, "generation": customer.generation}
    if forced is not None:
        payload["forced"] = forced
    rt.schedule(KYC_JOB, rt.config.decision_delay, payload, customer.id)


def run_kyc_job(rt: Runtime, payload: dict[str, Any]) -> bool:
    return decide_customer(rt, payload["customer_id"], payload["generation"], payload.get("forced"))


def decide_customer(
    rt: Runtime, customer_id: str, generation: int, forced: dict[str, Any] | None = None
) -> bool:
    """Decide and apply; False when the customer moved on since the job was queued."""
    snapshot = rt.store.customer(customer_id)
    if not _still_processing(snapshot, generation):
        return False
    assert snapshot is not None
    config = rt.config
    if forced is not None:
        outcome = rules.Outcome(forced["status"], forced.get("failure_reason"))
    else:
        outcome = rules.decide_kyc(
            snapshot.kyc or {}, _fetcher(rt), config.additional_info_failure_code
        )
    with rt.store.transaction():
        customer = rt.store.customer(customer_id)
        if not _still_processing(customer, generation):
            return False
        assert customer is not None
        apply_kyc_outcome(rt, customer, outcome.status, outcome.failure_reason, "decision")
        customer.documents = [check.to_json() for check in outcome.documents]
        rt.store.save_customer(customer)
    return True


def apply_kyc_outcome(
    rt: Runtime, customer: Customer, status: str, reason: str | None, cause: str
) -> None:
    """Set a final status on `customer` (caller saves) and queue the CUSTOMER webhook."""
    config = rt.config
    if status == FAILED and customer.update_count >= config.update_limit:
        # No updates left: the customer is blocked for manual handling (§7.1).
        reason = config.limit_failure_reason or reason
    customer.status = status
    customer.failure_reason = reason if status == FAILED else None
    record_history(customer.history, status, customer.failure_reason, cause)
    metadata = {"failure_reason": customer.failure_reason} if status == FAILED else {}
    webhooks.emit(rt, customer.org, "CUSTOMER", customer.id, status, metadata)


def record_history(
    history: list[dict[str, Any]], status: str, reason: str | None, cause: str
) -> None:
    history.append({"at": time.time(), "status": status, "failure_reason": reason, "cause": cause})


def _still_processing(customer: Customer | None, generation: int) -> bool:
    return (
        customer is not None and customer.status == PROCESSING and customer.generation == generation
    )


def _fetcher(rt: Runtime) -> rules.Fetcher:
    config = rt.config

    def fetch(role: str, url: str) -> DocumentCheck:
        check = fetch_document(
            role, url, timeout=config.document_fetch_timeout, max_bytes=config.document_max_bytes
        )
        log.info("fetched %s %s ok=%s %s", role, check.url, check.ok, check.error or "")
        return check

    return fetch


# --- bank accounts ---------------------------------------------------------------------------


def schedule_bank(rt: Runtime, bank: BankAccount) -> None:
    rt.schedule(BANK_JOB, rt.config.bank_decision_delay, {"bank_id": bank.id}, bank.customer_id)


def run_bank_job(rt: Runtime, payload: dict[str, Any]) -> bool:
    return decide_bank(rt, payload["bank_id"])


def decide_bank(rt: Runtime, bank_id: str, *, announce: bool = True) -> bool:
    with rt.store.transaction():
        bank = rt.store.bank(bank_id)
        customer = rt.store.customer(bank.customer_id) if bank else None
        if bank is None or customer is None or bank.status != PROCESSING:
            return False
        apply_bank_outcome(rt, bank, customer.full_name, announce=announce)
        rt.store.save_bank(bank)
    return True


def apply_bank_outcome(
    rt: Runtime, bank: BankAccount, full_name: str, *, announce: bool = True
) -> None:
    outcome = rules.decide_bank(
        full_name=full_name,
        account_name=bank.account_name,
        account_number=bank.account_number,
        ifsc=bank.ifsc,
        vpa=bank.vpa,
    )
    bank.status = outcome.status
    bank.failure_reason = outcome.failure_reason
    record_history(bank.history, bank.status, bank.failure_reason, "decision")
    if announce:
        metadata = {"failure_reason": bank.failure_reason} if bank.status == FAILED else {}
        webhooks.emit(rt, bank.org, "BANK", bank.id, bank.status, metadata)
