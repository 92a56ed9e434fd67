"""Inbound webhooks: stored raw first, verified, deduplicated, then processed by a task.

One delivery, identified by the provider's dedupe key (DollarPe: type, id, event and
timestamp), is applied once: the unique constraint on (provider, dedupe_key) lets one
row hold the key, and every identical delivery becomes a `duplicate` row beside it.
A redelivery of an event whose processing failed (or whose task was lost) queues the
original again: dj-stripe's known bug, avoided.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from celery import current_app
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.datastructures import CaseInsensitiveMapping
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from kyc.models import AuditEvent, BankAccount, Status, Verification, WebhookEvent
from kyc.providers.errors import InvalidWebhookError
from kyc.providers.interface import ProviderEvent
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record
from kyc.services.banks import bank_apply_status
from kyc.services.status import verification_apply_status
from kyc.services.wakeups import flag_clear, wake_now, webhooks_wake

logger = logging.getLogger(__name__)

State = WebhookEvent.State
# Credentials of whoever calls the URL are never stored (the provider signs the body instead).
UNSTORED_HEADERS = {"cookie", "authorization", "proxy-authorization"}
# A row in these states is (re)processed by the task; anything else is already settled.
PROCESSABLE = (State.QUEUED, State.FAILED)
# The original of a redelivered event is queued again from these states.
REDO_ON_REDELIVERY = (State.QUEUED, State.FAILED, State.UNMATCHED)
# What the intake cannot do without: the provider is asked to retry (5xx) when one is away.
UNAVAILABLE = (DatabaseError, InterfaceError, BrokerError)
BANK_STATUSES = {BankAccount.State.PROCESSING, BankAccount.State.VERIFIED, BankAccount.State.FAILED}
REASON_MAX = 64  # Verification.failure_reason and BankAccount.failure_reason
DRAIN_BATCH = 200  # queued ids read per query by a drain
BUSY = "busy"  # webhook_process(skip_locked=True) found the row locked by another drain
DB_TRANSIENT = (OperationalError, InterfaceError)
TRANSIENT_LIMIT = 3  # transient database errors in a row that stop a drain
RETRY_DELAY = 2  # seconds before a row handed over by a drain is tried again


@dataclass(frozen=True)
class Receipt:
    """What the intake did with one request, and the HTTP status the provider gets."""

    status_code: int
    event_id: int
    outcome: str  # queued, duplicate, requeued (the original queued again) or invalid


@dataclass(frozen=True)
class Outcome:
    state: str
    note: str = ""
    verification_id: int | None = None


class WebhookReprocessRefused(Exception):
    """Staff asked to reprocess a row that cannot be (invalid, duplicate, never verified)."""


# --- intake -----------------------------------------------------------------------------------
def _raw(
    provider: str, headers: Mapping[str, str], body: bytes, remote_addr: str | None
) -> dict[str, Any]:
    return {
        "provider": provider,
        "headers": _kept_headers(headers),
        "body": _text(body),
        "remote_addr": _ip_or_none(remote_addr),
    }


def webhook_store(
    *,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    remote_addr: str | None,
    state: str = State.RECEIVED,
    error: str = "",
) -> WebhookEvent:
    """The raw request, committed, whatever else becomes of it."""
    raw = _raw(provider, headers, body, remote_addr)
    return WebhookEvent.objects.create(**raw, state=state, error=error[:2000])


def webhook_receive(
    *, provider: str, headers: Mapping[str, str], body: bytes, remote_addr: str | None
) -> Receipt:
    """Store, verify and deduplicate one delivery; a drain is woken after commit.

    Verifying is pure computation, so it runs first and the raw request is stored with
    its verdict in one INSERT: one commit per delivery, as cheap as storing it alone. If
    verifying fails unexpectedly the raw request is still stored before the error rises.
    Raises one of UNAVAILABLE when the database is away, or when the broker is and this
    delivery's wake-up was due at once (kyc/services/wakeups.py): answer 5xx.
    """
    raw = _raw(provider, headers, body, remote_addr)
    try:
        event = get_provider(provider).parse_webhook(headers, body)
    except InvalidWebhookError as exc:
        row = WebhookEvent.objects.create(**raw, state=State.INVALID, error=str(exc)[:2000])
        return Receipt(exc.http_status, row.pk, "invalid")
    except Exception as exc:
        WebhookEvent.objects.create(**raw, state=State.RECEIVED, error=repr(exc)[:2000])
        raise
    return _queue(raw, event)


def _queue(raw: dict[str, Any], event: ProviderEvent) -> Receipt:
    fields = _event_fields(event)
    row_id = _insert_unless_taken(
        {**raw, **fields, "state": State.QUEUED, "dedupe_key": event.dedupe_key}
    )
    if row_id is None:
        return _duplicate(raw, event.dedupe_key, fields)
    transaction.on_commit(webhooks_wake)
    return Receipt(200, row_id, "queued")


def _insert_unless_taken(values: dict[str, Any]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new row's id, None when the
    delivery's dedupe key is taken (no exception, so no savepoint and no error logged
    by the database for each duplicate).

    Written out because it is the intake's one statement and the ORM's create() took as
    long as the rest of the request in Python (`make bench BENCH=webhooks`); each value
    still goes through its model field's own conversion for the database in use.
    """
    row = {"received_at": timezone.now(), "error": "", "attempts": 0, **values}
    params = [_FIELDS[name].get_db_prep_save(value, connection) for name, value in row.items()]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor, tuple(row)), params)
        inserted = cursor.fetchone()
    return None if inserted is None else int(inserted[0])


_FIELDS = {field.name: field for field in WebhookEvent._meta.concrete_fields}


@lru_cache(maxsize=8)
def _insert_sql(vendor: str, names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_FIELDS[name].column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    # Names come from the model's metadata, quoted; every value is a parameter.
    table, pk = quote(WebhookEvent._meta.db_table), quote(_FIELDS["id"].column)
    insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    # Only the dedupe constraint (kyc_unique_webhook_delivery, partial) turns the row away:
    # any other conflict still raises.
    provider, key = quote(_FIELDS["provider"].column), quote(_FIELDS["dedupe_key"].column)
    target = f"({provider}, {key}) WHERE {key} IS NOT NULL"
    return f"{insert} ON CONFLICT {target} DO NOTHING RETURNING {pk}"


def _duplicate(raw: dict[str, Any], dedupe_key: str, fields: dict[str, Any]) -> Receipt:
    """Keep the copy as a duplicate; queue the original again if it never got applied."""
    with transaction.atomic():
        original = WebhookEvent.objects.select_for_update().get(
            provider=raw["provider"], dedupe_key=dedupe_key
        )
        row = WebhookEvent.objects.create(
            **raw, **fields, state=State.DUPLICATE, error=f"duplicate of delivery {original.pk}"
        )
        if original.state not in REDO_ON_REDELIVERY:
            return Receipt(200, row.pk, "duplicate")
        WebhookEvent.objects.filter(pk=original.pk).update(state=State.QUEUED)
        transaction.on_commit(webhooks_wake)
    return Receipt(200, row.pk, "requeued")


def _enqueue(event_id: int) -> None:
    from kyc.tasks import process_webhook

    process_webhook.delay(event_id=event_id)


def _event_fields(event: ProviderEvent) -> dict[str, Any]:
    return {
        "event_type": event.raw_type[:20],
        "entity_id": event.entity_id[:100],
        "event": event.raw_event[:50],
        "occurred_at": event.occurred_at,
    }


def _text(raw: bytes) -> str:
    # PostgreSQL text cannot hold NUL; a valid JSON body never contains one.
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: _text(value.encode("utf-8", errors="replace"))
        for name, value in headers.items()
        if name.lower() not in UNSTORED_HEADERS
    }


def _ip_or_none(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


# --- processing -------------------------------------------------------------------------------
def webhooks_drain(*, flag: str | None = None) -> int:
    """Process the deliveries queued when it starts, oldest first; how many it went through.

    It clears its wake-up flag first (kyc/services/wakeups.py), then takes every row
    queued up to the newest one at that moment: a delivery committed later woke a drain
    of its own, so a steady stream never keeps one drain (and its worker) forever.
    Rows another drain holds are skipped (BUSY), so two drains share a backlog instead
    of waiting on each other. A row that fails is kept failed with its error (see
    webhook_process) and the drain goes on. A row hit by a transient database error is
    handed to its own task, which retries it with backoff; after TRANSIENT_LIMIT of those
    in a row the database itself is away, and the drain stops so that its task retries.
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
    from kyc.tasks import process_webhook

    try:
        process_webhook.apply_async(kwargs={"event_id": event_id}, countdown=RETRY_DELAY)
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


def _read(row: WebhookEvent) -> ProviderEvent:
    """The stored raw request, verified again: what is applied is what was verified."""
    return get_provider(row.provider).parse_webhook(
        CaseInsensitiveMapping(row.headers), row.body.encode(), received_at=row.received_at
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
        event = _read(row)
    except InvalidWebhookError:
        return None
    if event.kind == "customer":
        verification = _verification_for(row, event)
        return verification.pk if verification else None
    bank = _bank_for(row, event) if event.kind == "bank" else None
    return bank.verification_id if bank else None


def _apply(row: WebhookEvent) -> Outcome:
    event = _read(row)
    if event.kind == "customer":
        return _customer_event(row, event)
    if event.kind == "bank":
        return _bank_event(row, event)
    return Outcome(State.PROCESSED, f"ignored: {event.raw_type} events are not used")


def _customer_event(row: WebhookEvent, event: ProviderEvent) -> Outcome:
    verification = _verification_for(row, event)
    if verification is None:
        return Outcome(State.UNMATCHED, "no verification has this provider customer id")
    if event.status not in Status.values:
        return Outcome(State.PROCESSED, f"ignored: unknown status {event.status[:50]!r}")
    change = verification_apply_status(
        verification_id=verification.pk,
        status=event.status,
        failure_reason=event.failure_reason[:REASON_MAX],
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
    if event.status not in BANK_STATUSES:
        return Outcome(State.PROCESSED, f"ignored: unknown status {event.status[:50]!r}")
    applied = bank_apply_status(
        bank_id=bank.pk,
        status=event.status,
        failure_reason=event.failure_reason[:REASON_MAX],
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
        transaction.on_commit(lambda: _enqueue(row.pk))


def _check_reprocessable(row: WebhookEvent) -> None:
    if row.state == State.INVALID:
        raise WebhookReprocessRefused(_("An invalid request is never processed."))
    if row.state == State.DUPLICATE:
        raise WebhookReprocessRefused(_("This is a duplicate: reprocess the original delivery."))
    if not row.dedupe_key:
        raise WebhookReprocessRefused(_("This request was never verified."))
