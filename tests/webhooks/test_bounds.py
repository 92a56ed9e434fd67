"""What a webhook URL stores: exact bodies for authentic deliveries, a bounded trace of the rest.

Anyone can post to the URL. A refused request is kept trimmed (headers, the body's first KB,
the verdict), at most so many per source and in all per window (then 429, nothing stored),
and deleted after the retention period; an authentic delivery is kept byte for byte.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from kyc.models import WebhookEvent
from kyc.webhooks.intake import REFUSED_BODY_BYTES, REFUSED_HEADER_CHARS
from kyc.webhooks.retention import webhooks_prune
from kyc.webhooks.views import webhook_path
from sandbox.dollarpe.signing import compact, sign
from sandbox.dollarpe.webhooks import iso_now
from tests.support import builders

pytestmark = pytest.mark.django_db

State = WebhookEvent.State
URL = webhook_path("dollarpe")
BURST = 10_000
FEW_MB = 4 * 1024 * 1024


def forged(size: int = 8 * 1024) -> tuple[bytes, dict[str, str]]:
    """A delivery of about `size` bytes signed with a secret that is not ours."""
    padding = {"note": "x" * size}
    body, headers = builders.signed_delivery(
        "CUSTOMER", str(uuid.uuid4()), "VERIFIED", padding, secret="not-our-secret"
    )
    return body, headers | {"X-Padding": "p" * 4000}


def post(client: Client, body: bytes, headers: dict[str, str], source: str = "127.0.0.1") -> Any:
    others = {k: v for k, v in headers.items() if k != "Content-Type"}
    return client.post(
        URL, data=body, content_type="application/json", headers=others, REMOTE_ADDR=source
    )


def table_bytes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s)", [WebhookEvent._meta.db_table])
        return int(cursor.fetchone()[0])


def signed_raw(text: str, *, encoding: str = "utf-8") -> tuple[bytes, dict[str, str]]:
    """`text` as the body, signed as DollarPe signs: over the compact form of its JSON."""
    at = str(int(time.time()))
    signature = sign(
        django_settings.DOLLARPE_API_KEY,
        django_settings.DOLLARPE_API_SECRET,
        at,
        compact(json.loads(text)),
    )
    return text.encode(encoding), {"X-TIMESTAMP": at, "X-SIGNATURE": signature}


def envelope_text(customer_id: str, event: str = "VERIFIED") -> str:
    return f'"type":"CUSTOMER","id":"{customer_id}","event":"{event}","timestamp":"{iso_now()}"'


# --- the burst ----------------------------------------------------------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="measures PostgreSQL's table size")
def test_a_burst_of_10000_invalid_deliveries_grows_the_database_by_a_few_mb_at_most() -> None:
    """Half from one address (its own bound), half from a new address each (the overall one)."""
    client = Client()
    body, headers = forged()
    before = table_bytes()
    answers: set[int] = set()
    for n in range(BURST):
        source = "198.51.100.7" if n % 2 else f"10.{n >> 16}.{n >> 8 & 255}.{n & 255}"
        answers.add(post(client, body, headers, source).status_code)
    grown = table_bytes() - before
    assert answers == {401, 429}
    # Unbounded, 10,000 bodies of 8 KB (and a 4 KB header) came to some 120 MB.
    assert grown < FEW_MB, f"grew by {grown / 1024 / 1024:.1f} MB"
    assert WebhookEvent.objects.exclude(state=State.INVALID).count() == 0


# --- trimmed, limited ---------------------------------------------------------------------------
def test_a_refused_request_is_stored_trimmed_with_its_verdict(client: Client) -> None:
    body, headers = forged()
    assert post(client, body, headers).status_code == 401
    row = WebhookEvent.objects.get()
    assert row.state == State.INVALID
    assert row.body.encode() == body[:REFUSED_BODY_BYTES]
    assert row.headers["X-Padding"] == "p" * REFUSED_HEADER_CHARS
    assert row.headers["X-Signature"] == headers["X-SIGNATURE"]  # what staff need to see
    assert "X-SIGNATURE does not match" in row.error
    assert f"body of {len(body)} bytes" in row.error


def test_past_the_limit_a_source_gets_429_and_nothing_more_is_stored(
    client: Client, settings: Any
) -> None:
    settings.WEBHOOK_INVALID_PER_SOURCE = 3
    body, headers = forged(100)
    answers = [post(client, body, headers, "198.51.100.7").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    assert WebhookEvent.objects.count() == 3
    limited = post(client, body, headers, "198.51.100.7")
    assert 0 < int(limited["Retry-After"]) <= settings.WEBHOOK_INVALID_WINDOW
    # Another source is not held back by this one, nor is an authentic delivery from it.
    assert post(client, body, headers, "198.51.100.8").status_code == 401
    valid, valid_headers = builders.signed_delivery("CUSTOMER", str(uuid.uuid4()), "VERIFIED")
    assert post(client, valid, valid_headers, "198.51.100.7").status_code == 200
    assert WebhookEvent.objects.filter(state=State.QUEUED).count() == 1


def test_one_ipv6_network_counts_as_one_source(client: Client, settings: Any) -> None:
    settings.WEBHOOK_INVALID_PER_SOURCE = 2
    body, headers = forged(100)
    sources = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"]
    assert [post(client, body, headers, s).status_code for s in sources] == [401, 401, 429]
    assert post(client, body, headers, "2001:db8:1:3::1").status_code == 401


def test_the_overall_bound_holds_whatever_the_sources(client: Client, settings: Any) -> None:
    settings.WEBHOOK_INVALID_STORED = 4
    body, headers = forged(100)
    answers = [post(client, body, headers, f"192.0.2.{n}").status_code for n in range(1, 7)]
    assert answers == [401] * 4 + [429] * 2
    assert WebhookEvent.objects.count() == 4


def test_an_oversized_body_counts_as_refused_too(client: Client, settings: Any) -> None:
    settings.WEBHOOK_INVALID_PER_SOURCE = 1
    body = b"{" + b" " * (settings.WEBHOOK_MAX_BYTES + 1) + b"}"
    assert post(client, body, {}).status_code == 413
    assert post(client, body, {}).status_code == 429
    assert WebhookEvent.objects.get().state == State.INVALID


# --- pruned -------------------------------------------------------------------------------------
def test_refused_requests_are_deleted_after_the_retention_period(
    client: Client, settings: Any
) -> None:
    body, headers = forged(100)
    valid, valid_headers = builders.signed_delivery("CUSTOMER", str(uuid.uuid4()), "VERIFIED")
    for _ in range(2):
        post(client, body, headers)
    post(client, valid, valid_headers)
    old = timezone.now() - timedelta(days=settings.WEBHOOK_INVALID_RETENTION_DAYS, hours=1)
    kept_invalid = WebhookEvent.objects.filter(state=State.INVALID).order_by("pk").last()
    assert kept_invalid is not None
    WebhookEvent.objects.exclude(pk=kept_invalid.pk).update(received_at=old)
    assert webhooks_prune() == 1
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {
        State.INVALID,
        State.QUEUED,
    }
    assert WebhookEvent.objects.get(state=State.INVALID).pk == kept_invalid.pk
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "kyc.tasks.prune_webhooks" in schedule


# --- exact bodies, strict JSON ------------------------------------------------------------------
def test_the_stored_body_of_a_valid_delivery_is_exactly_what_was_received(client: Client) -> None:
    customer_id = str(uuid.uuid4())
    text = (
        "\r\n\t{ " + envelope_text(customer_id) + ' ,\t"metadata" : {"note": "नमस्ते — café ☕",'
        ' "quote": "\\"\\u00e9\\""}\r\n}  \n'
    )
    body, headers = signed_raw(text)
    assert post(client, body, headers).status_code == 200
    row = WebhookEvent.objects.get()
    assert row.state == State.QUEUED
    assert row.body.encode("utf-8") == body


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_body_that_is_not_utf8_json_is_refused_and_stored_trimmed(
    client: Client, encoding: str
) -> None:
    text = "{" + envelope_text(str(uuid.uuid4())) + "}"
    body, headers = signed_raw(text, encoding=encoding)
    assert post(client, body, headers).status_code == 400
    row = WebhookEvent.objects.get()
    assert row.state == State.INVALID
    assert "not UTF-8" in row.error or "not JSON" in row.error


def test_a_body_that_gives_a_key_twice_is_refused(client: Client) -> None:
    customer_id = str(uuid.uuid4())
    text = "{" + envelope_text(customer_id, "FAILED") + ',"event":"VERIFIED"}'
    body, headers = signed_raw(text)  # signed over what json.loads keeps: the last one
    assert post(client, body, headers).status_code == 400
    row = WebhookEvent.objects.get()
    assert (row.state, row.dedupe_key) == (State.INVALID, None)
    assert "key twice" in row.error
