"""Webhook intake: every request stored raw, authenticated, deduplicated, in one INSERT.

One delivery, identified by the provider's dedupe key (DollarPe: type, id, event and
timestamp), is applied once: the unique constraint on (provider, dedupe_key) lets one
row hold the key, and every identical delivery becomes a `duplicate` row beside it.
A redelivery of an event whose processing failed (or whose task was lost) queues the
original again: dj-stripe's known bug, avoided. Processing is kyc/webhooks/processing.py.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import DatabaseError, InterfaceError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from kyc.models import WebhookEvent
from kyc.providers.errors import InvalidWebhookError
from kyc.providers.interface import Delivery, Provider, ProviderEvent
from kyc.providers.registry import get_provider
from kyc.webhooks.limits import invalid_may_be_stored
from kyc.webhooks.wakeups import webhooks_wake

State = WebhookEvent.State
# Credentials of whoever calls the URL are never stored: a provider that authenticates
# with one (HTTP Basic, say) is checked at intake, and processing needs only the body.
UNSTORED_HEADERS = {"cookie", "authorization", "proxy-authorization"}
# The original of a redelivered event is queued again from these states.
REDO_ON_REDELIVERY = (State.QUEUED, State.FAILED, State.UNMATCHED)
# What the intake cannot do without: the provider is asked to retry (5xx) when one is away.
UNAVAILABLE = (DatabaseError, InterfaceError, BrokerError)
# What is kept of a refused request (anyone can send one): enough for staff to see what it
# was, and a bound on what a burst of them costs (kyc/webhooks/limits.py bounds how many).
REFUSED_BODY_BYTES = 1024
REFUSED_HEADER_CHARS = 128  # of each header's name and value
REFUSED_HEADERS = 24
LIMITED = 429


@dataclass(frozen=True)
class Receipt:
    """What the intake did with one request, and the HTTP status the provider gets."""

    status_code: int
    event_id: int | None  # None: refused past the bound, and not stored
    outcome: str  # queued, duplicate, requeued (the original queued again), invalid or limited


# --- intake -----------------------------------------------------------------------------------
def _raw(
    adapter: Provider, headers: Mapping[str, str], body: bytes, remote_addr: str | None
) -> dict[str, Any]:
    return {
        "provider": adapter.name,
        "headers": _kept_headers(headers, _unstored(adapter)),
        "body": _text(body),
        "remote_addr": _ip_or_none(remote_addr),
    }


def _unstored(adapter: Provider) -> set[str]:
    return UNSTORED_HEADERS | {name.lower() for name in adapter.webhook_credential_headers}


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
    raw = _raw(get_provider(provider), headers, body, remote_addr)
    return WebhookEvent.objects.create(**raw, state=state, error=error[:2000])


def webhook_refuse(
    *,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    remote_addr: str | None,
    status_code: int,
    error: str,
) -> Receipt:
    """Keep a refused request trimmed (headers, the body's first KB, the verdict), unless its
    source or everyone together refused too many lately: then 429, and nothing stored."""
    if not invalid_may_be_stored(remote_addr):
        return Receipt(LIMITED, None, "limited")
    adapter = get_provider(provider)
    kept = _kept_headers(headers, _unstored(adapter))
    row = WebhookEvent.objects.create(
        provider=adapter.name,
        headers=_trimmed(kept),
        body=_text(body[:REFUSED_BODY_BYTES]),
        remote_addr=_ip_or_none(remote_addr),
        state=State.INVALID,
        error=_verdict(error, len(body)),
    )
    return Receipt(status_code, row.pk, "invalid")


def _verdict(error: str, size: int) -> str:
    if size <= REFUSED_BODY_BYTES:
        return error[:500]
    return f"{error[:500]} (body of {size} bytes, the first {REFUSED_BODY_BYTES} kept)"


def _trimmed(headers: dict[str, str]) -> dict[str, str]:
    items = list(headers.items())[:REFUSED_HEADERS]
    return {name[:REFUSED_HEADER_CHARS]: value[:REFUSED_HEADER_CHARS] for name, value in items}


def webhook_receive(
    *, provider: str, headers: Mapping[str, str], body: bytes, remote_addr: str | None
) -> Receipt:
    """Store, authenticate and deduplicate one delivery; a drain is woken after commit.

    The provider authenticates the delivery here, once, with every header it came with
    (an Authorization header included, which is never stored), and reads its dedupe key
    and events; processing later only reads the stored body again. Both are pure
    computation, so they run first and the raw request is stored with its verdict in one
    INSERT: one commit per delivery, as cheap as storing it alone. If they fail
    unexpectedly the raw request is still stored before the error rises.
    Raises one of UNAVAILABLE when the database is away, or when the broker is and this
    delivery's wake-up was due at once (kyc/webhooks/wakeups.py): answer 5xx.
    """
    adapter = get_provider(provider)
    try:
        adapter.authenticate_webhook(headers, body, remote_addr=remote_addr)
        delivery = adapter.parse_webhook(headers, body)
    except InvalidWebhookError as exc:
        return webhook_refuse(
            provider=provider,
            headers=headers,
            body=body,
            remote_addr=remote_addr,
            status_code=exc.http_status,
            error=str(exc),
        )
    except Exception as exc:
        webhook_store(
            provider=provider,
            headers=headers,
            body=body,
            remote_addr=remote_addr,
            error=repr(exc),
        )
        raise
    return _queue(_raw(adapter, headers, body, remote_addr), delivery)


def _queue(raw: dict[str, Any], delivery: Delivery) -> Receipt:
    fields = _event_fields(delivery.first)
    row_id = _insert_unless_taken(
        {**raw, **fields, "state": State.QUEUED, "dedupe_key": delivery.dedupe_key}
    )
    if row_id is None:
        return _duplicate(raw, delivery.dedupe_key, fields)
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


def _event_fields(event: ProviderEvent) -> dict[str, Any]:
    return {
        "event_type": event.raw_type[:50],
        "entity_id": event.entity_id[:100],
        "event": event.raw_event[:50],
        "occurred_at": event.occurred_at,
    }


def _text(raw: bytes) -> str:
    # PostgreSQL text cannot hold NUL; a valid JSON body never contains one.
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _kept_headers(headers: Mapping[str, str], unstored: set[str]) -> dict[str, str]:
    return {
        name: _text(value.encode("utf-8", errors="replace"))
        for name, value in headers.items()
        if name.lower() not in unstored
    }


def _ip_or_none(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None
