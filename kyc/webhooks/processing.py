"""Webhook processing: the drain applies stored deliveries through the core's services.

A delivery is applied by one task at a time (the row is locked), safe to run twice,
and a failure is kept on the row for staff to see and reprocess.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.datastructures import CaseInsensitiveMapping
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from kyc import jobs
from kyc.models import AuditEvent, BankAccount, Verification, WebhookEvent
from kyc.providers.errors import InvalidWebhookError, TransientProviderError
from kyc.providers.interface import Delivery, ProviderEvent
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record
from kyc.services.banks import bank_apply_status
from kyc.services.polling import verification_refresh
from kyc.services.status import verification_apply_outcome
from kyc.webhooks.intake import UNAVAILABLE
from kyc.webhooks.wakeups import flag_clear, wake_now

logger = logging.getLogger(__name__)

State = WebhookEvent.State
# A row in these states is (re)processed by the task; anything else is already settled.
PROCESSABLE = (State.QUEUED, State.FAILED)
BANK_STATUSES = {BankAccount.State.PROCESSING, BankAccount.State.VERIFIED, BankAccount.State.FAILED}
REASON_MAX = 64  # BankAccount.failure_reason
DRAIN_BATCH = 200  # queued ids read per query by a drain
BUSY = "busy"  # webhook_process(skip_locked=True) found the row locked by another drain
DB_TRANSIENT = (OperationalError, InterfaceError)
TRANSIENT_LIMIT = 3  # transient database errors in a row that stop a drain
RETRY_DELAY = 2  # seconds before a row handed over by a drain is tried again


@dataclass(frozen=True)
class Outcome:
    state: str
    note: str = ""
    verification_id: int | None = None


class WebhookReprocessRefused(Exception):
    """Staff asked to reprocess a row that cannot be (invalid, duplicate, never verified)."""


def webhooks_drain(*, flag: str | None = None) -> int:
    """Process the deliveries queued when it starts, oldest first; how many it went through.

    It clears its wake-up flag first (kyc/webhooks/wakeups.py), then takes every row
    queued up to the newest one at that moment: a delivery committed later woke a drain
    of its own, so a steady stream never keeps one drain (and its worker) forever.
    Rows another drain holds are skipped (BUSY), so two drains share a backlog instead
    of waiting on each other. A row that fails is kept failed with its error (see
    webhook_process) and the drain goes on. A row hit by a transient database error is
    handed to its own task, which retries it with backoff; after TRANSIENT_LIMIT of those
    in a row the database itself is away, and the drain stops so that its task retries.
    A row whose delivery needed the provider's current status (ProviderEvent.outcome None)
    and could not get it (TransientProviderError) is handed to its own task the same way.
    """
    if flag:
        flag_clear(flag)
    newest = WebhookEvent.objects.filter(state=State.QUEUED).aggregate(newest=Max("pk"))["newest"]
    handled, after, transient = 0, 0, 0
    while newest is not None and after < newest:
        batch = list(
            WebhookEvent.objects.filter(state=State.QUEUED, pk__gt=after, pk__lte=newest)
            .order_by("pk")
            .values_list("pk", flat=True)[:DRAIN_BATCH]
        )
        if not batch:
            break
        for event_id in batch:
            try:
                state = webhook_process(event_id=event_id, skip_locked=True)
            except DB_TRANSIENT:
                _retry_later(event_id)
                transient += 1
                if transient >= TRANSIENT_LIMIT:
                    raise
                continue
            except TransientProviderError:  # the provider, not the database: go on
                _retry_later(event_id)
                continue
            except Exception:  # kept on the row (failed, with the error) for staff to see
                logger.exception("webhook %s: processing failed", event_id)
            else:
                handled += state != BUSY
            transient = 0
        after = batch[-1]
    return handled


def webhooks_heartbeat() -> bool:
    """Wake a drain if deliveries are queued: the net under a drain message lost after its
    flag was set. One indexed EXISTS when nothing waits; while the flag is up it publishes
    nothing, so it adds at most one drain per run. Whether it published one."""
    if not WebhookEvent.objects.filter(state=State.QUEUED).exists():
        return False
    return wake_now(current_app.conf.task_default_queue)


def _retry_later(event_id: int) -> None:
    """Hand a row to its own retrying task; if that cannot be published, queue it again."""
    try:
        jobs.publish(jobs.PROCESS_WEBHOOK, {"event_id": event_id}, countdown=RETRY_DELAY)
    except BrokerError:
        with contextlib.suppress(*UNAVAILABLE):  # else it is still queued: never recorded
            WebhookEvent.objects.filter(pk=event_id, state=State.FAILED).update(state=State.QUEUED)


def webhook_process(*, event_id: int, skip_locked: bool = False) -> str:
    """Apply one stored delivery through the core's services; safe to run twice.

    The row is locked while it is applied, so two tasks for one delivery run one after
    the other and the second finds it settled (with skip_locked, the second returns BUSY
    at once instead of waiting). A failure is kept on the row (failed,
    with the error) and re-raised, so the task can retry what is transient.
    """
    try:
        with transaction.atomic():
            rows = WebhookEvent.objects.select_for_update(skip_locked=skip_locked)
            row = rows.filter(pk=event_id).first() if skip_locked else rows.get(pk=event_id)
            if row is None:
                return BUSY  # another drain holds its lock and is applying it
            if row.state not in PROCESSABLE:
                return row.state
            outcome = _apply(row)
            WebhookEvent.objects.filter(pk=row.pk).update(
                state=outcome.state,
                error=outcome.note[:2000],
                verification_id=outcome.verification_id,
                processed_at=timezone.now(),
                attempts=F("attempts") + 1,
            )
    except Exception as exc:
        _record_failure(event_id, exc)
        raise
    return outcome.state


def _record_failure(event_id: int, exc: Exception) -> None:
    try:
        row = WebhookEvent.objects.get(pk=event_id)
        WebhookEvent.objects.filter(pk=event_id, state__in=PROCESSABLE).update(
            state=State.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            attempts=F("attempts") + 1,
            verification_id=_verification_of(row),  # so staff find it on the customer's page
        )
    except UNAVAILABLE:  # the database itself is away: the row stays queued for a retry
        logger.warning("webhook %s: could not record the failure", event_id)


def _read(row: WebhookEvent) -> Delivery:
    """The stored delivery, read again; it was authenticated when it arrived (rows that
    were not are `invalid` and never processed), so no credential is needed here."""
    return get_provider(row.provider).parse_webhook(
        CaseInsensitiveMapping(row.headers), row.body.encode()
    )


def _verification_for(row: WebhookEvent, event: ProviderEvent) -> Verification | None:
    return Verification.objects.filter(
        provider=row.provider, provider_customer_id=event.entity_id
    ).first()


def _bank_for(row: WebhookEvent, event: ProviderEvent) -> BankAccount | None:
    return BankAccount.objects.filter(
        provider_bank_id=event.entity_id, verification__provider=row.provider
    ).first()


def _verification_of(row: WebhookEvent) -> int | None:
    try:
        events = _read(row).events
    except InvalidWebhookError:
        return None
    for event in events:
        if event.subject == "verification":
            verification = _verification_for(row, event)
            if verification:
                return verification.pk
        bank = _bank_for(row, event) if event.subject == "bank" else None
        if bank:
            return bank.verification_id
    return None


def _apply(row: WebhookEvent) -> Outcome:
    """Every event of the delivery, in order; the row is unmatched only if all of them are."""
    results = [_apply_event(row, event) for event in _read(row).events]
    matched = [result for result in results if result.state != State.UNMATCHED]
    state = State.PROCESSED if matched else State.UNMATCHED
    verification_id = next((r.verification_id for r in results if r.verification_id), None)
    return Outcome(state, "; ".join(filter(None, (r.note for r in results))), verification_id)


def _apply_event(row: WebhookEvent, event: ProviderEvent) -> Outcome:
    if event.subject == "verification":
        return _verification_event(row, event)
    if event.subject == "bank":
        return _bank_event(row, event)
    return Outcome(State.PROCESSED, f"ignored: {event.note or event.raw_type}")


def _verification_event(row: WebhookEvent, event: ProviderEvent) -> Outcome:
    verification = _verification_for(row, event)
    if verification is None:
        return Outcome(State.UNMATCHED, "no verification has this provider customer id")
    if event.outcome is None:
        # The delivery only says something changed: ask the provider what (current()), with
        # the delivery's row locked (the call has the provider's timeout). When the provider
        # cannot answer, the row's own task retries it (TransientProviderError).
        change = verification_refresh(verification_id=verification.pk, source="provider")
    else:
        change = verification_apply_outcome(
            verification_id=verification.pk,
            outcome=event.outcome,
            source=AuditEvent.Source.PROVIDER,
            occurred_at=event.occurred_at,
            note=f"webhook delivery {row.pk}",
        )
    note = "" if change.applied else f"not applied: {change.reason}"
    return Outcome(State.PROCESSED, note, verification.pk)


def _bank_event(row: WebhookEvent, event: ProviderEvent) -> Outcome:
    bank = _bank_for(row, event)
    if bank is None:
        return Outcome(State.UNMATCHED, "no bank account has this provider bank id")
    snapshot = event.bank
    if snapshot is None or snapshot.status not in BANK_STATUSES:
        status = snapshot.status if snapshot else event.raw_event
        return Outcome(State.PROCESSED, f"ignored: unknown status {status[:50]!r}")
    applied = bank_apply_status(
        bank_id=bank.pk,
        status=snapshot.status,
        failure_reason=snapshot.failure_reason[:REASON_MAX],
        source=AuditEvent.Source.PROVIDER,
    )
    note = "" if applied else "not applied: the bank account is already decided or in this status"
    return Outcome(State.PROCESSED, note, bank.verification_id)


# --- staff ------------------------------------------------------------------------------------
def webhook_reprocess(*, event_id: int, actor: Any) -> None:
    """Queue one stored delivery for processing again (the admin's reprocess action).

    Applying it again is harmless: status changes are compare-and-set and never go
    backwards. Raises WebhookReprocessRefused for a row that was never a valid delivery.
    """
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().get(pk=event_id)
        _check_reprocessable(row)
        WebhookEvent.objects.filter(pk=row.pk, state=row.state).update(state=State.QUEUED)
        if row.verification is not None:
            audit_record(
                verification=row.verification,
                action="webhook_reprocess",
                source=AuditEvent.Source.STAFF,
                actor=actor,
                note=f"webhook delivery {row.pk} ({row.get_state_display()}) queued again",
            )
        logger.info("webhook %s queued again by staff user %s", row.pk, getattr(actor, "pk", None))
        jobs.after_commit(jobs.PROCESS_WEBHOOK, {"event_id": row.pk})


def _check_reprocessable(row: WebhookEvent) -> None:
    if row.state == State.INVALID:
        raise WebhookReprocessRefused(_("An invalid request is never processed."))
    if row.state == State.DUPLICATE:
        raise WebhookReprocessRefused(_("This is a duplicate: reprocess the original delivery."))
    if not row.dedupe_key:
        raise WebhookReprocessRefused(_("This request was never verified."))
