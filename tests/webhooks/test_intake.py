"""POST /webhooks/dollarpe/: stored raw first, verified, refused with the right status, bounded.

These run the real view in-process (Django's test client) or over HTTP (the live server,
gunicorn), with deliveries signed by the emulator's own signer.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from kyc.models import AuditEvent, Status, WebhookEvent
from kyc.webhooks.intake import REFUSED_BODY_BYTES
from kyc.webhooks.processing import webhook_process
from kyc.webhooks.views import read_bounded, webhook_path
from tests.settings import free_port
from tests.support import builders
from tests.support.waiting import wait_for

WEBHOOK_PATH = webhook_path("dollarpe")

LIMIT = 64 * 1024


def post(client: Any, body: bytes, headers: dict[str, str], **extra: Any) -> Any:
    content_type = headers.get("Content-Type", "application/json")
    others = {k: v for k, v in headers.items() if k != "Content-Type"}
    return client.post(WEBHOOK_PATH, data=body, content_type=content_type, headers=others, **extra)


def only_row() -> WebhookEvent:
    return WebhookEvent.objects.get()


# --- stored raw, verified -----------------------------------------------------------------------
@pytest.mark.django_db
def test_a_valid_delivery_is_stored_raw_then_queued_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client(enforce_csrf_checks=True)  # the provider has no CSRF token
    body, headers = builders.signed_delivery("CUSTOMER", str(uuid.uuid4()), "VERIFIED")
    headers |= {"Authorization": "Bearer secret-token", "Cookie": "sessionid=abc"}
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body, headers, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    row = only_row()
    assert row.state == WebhookEvent.State.QUEUED
    assert row.body == body.decode()
    assert row.remote_addr == "203.0.113.7"
    assert row.received_at is not None
    assert row.headers["X-Signature"] == headers["X-SIGNATURE"]
    assert row.headers["X-Timestamp"] == headers["X-TIMESTAMP"]
    assert not {"Authorization", "Cookie"} & set(row.headers)
    assert (row.event_type, row.event) == ("CUSTOMER", "VERIFIED")
    assert row.dedupe_key
    assert row.dedupe_key.startswith("CUSTOMER:")
    assert len(callbacks) == 1  # the drain's wake-up, only after commit


@pytest.mark.django_db
def test_a_forged_signature_is_refused_and_kept_as_invalid(
    client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    body, headers = builders.signed_delivery(
        "CUSTOMER", str(uuid.uuid4()), "VERIFIED", secret="not-our-secret"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body, headers)
    assert response.status_code == 401
    row = only_row()
    assert row.state == WebhookEvent.State.INVALID
    assert "X-SIGNATURE does not match" in row.error
    assert row.body == body.decode()
    assert row.dedupe_key is None
    assert callbacks == []


@pytest.mark.django_db
def test_a_body_changed_after_signing_is_refused(client: Any) -> None:
    body, headers = builders.signed_delivery("CUSTOMER", str(uuid.uuid4()), "FAILED")
    tampered = body.replace(b'"FAILED"', b'"VERIFIED"')
    assert post(client, tampered, headers).status_code == 401
    assert only_row().state == WebhookEvent.State.INVALID


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["X-SIGNATURE", "X-TIMESTAMP"])
def test_a_missing_signature_header_is_refused(client: Any, missing: str) -> None:
    body, headers = builders.signed_delivery("CUSTOMER", str(uuid.uuid4()), "VERIFIED")
    del headers[missing]
    assert post(client, body, headers).status_code == 401
    assert f"missing {missing} header" in only_row().error


@pytest.mark.django_db
def test_a_stale_timestamp_is_refused(client: Any) -> None:
    an_hour_ago = int(time.time()) - 3600
    body, headers = builders.signed_delivery(
        "CUSTOMER", str(uuid.uuid4()), "VERIFIED", signed_at=an_hour_ago
    )
    assert post(client, body, headers).status_code == 401
    row = only_row()
    assert row.state == WebhookEvent.State.INVALID
    assert "X-TIMESTAMP is more than 300 s away" in row.error


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b"\xff\xfe\x00garbage"])
def test_malformed_json_is_refused_with_400_and_kept(client: Any, body: bytes) -> None:
    _, headers = builders.signed_delivery("CUSTOMER", str(uuid.uuid4()), "VERIFIED")
    assert post(client, body, headers).status_code == 400
    row = only_row()
    assert row.state == WebhookEvent.State.INVALID
    assert "\x00" not in row.body  # kept readable: PostgreSQL text never holds a NUL


@pytest.mark.django_db
def test_a_signed_body_that_is_not_an_envelope_is_refused_with_400(client: Any) -> None:
    body, headers = builders.signed_delivery("REFUND", str(uuid.uuid4()), "DONE")
    assert post(client, body, headers).status_code == 400
    assert "unexpected webhook fields: type" in only_row().error


@pytest.mark.django_db
def test_only_post_is_served(client: Any) -> None:
    assert client.get(WEBHOOK_PATH).status_code == 405
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_a_replayed_delivery_is_not_applied_twice(
    client: Any, emulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The exact bytes and headers of an applied delivery, sent again: 200, kept, not applied."""
    emulator.config(auto_decision=False)
    verification = builders.processing()
    body, headers = builders.signed_delivery(
        "CUSTOMER", builders.customer_id(verification), "VERIFIED"
    )
    with django_capture_on_commit_callbacks():
        assert post(client, body, headers).status_code == 200
    original = only_row()
    assert webhook_process(event_id=original.pk) == WebhookEvent.State.PROCESSED
    changes = AuditEvent.objects.filter(action="status_changed").count()

    with django_capture_on_commit_callbacks() as callbacks:
        assert post(client, body, headers).status_code == 200
    replay = WebhookEvent.objects.exclude(pk=original.pk).get()
    assert replay.state == WebhookEvent.State.DUPLICATE
    assert replay.dedupe_key is None
    assert replay.verification_id is None
    assert replay.error == f"duplicate of delivery {original.pk}"
    assert callbacks == []  # nothing queued: the original was applied
    assert AuditEvent.objects.filter(action="status_changed").count() == changes
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


# --- size limit ---------------------------------------------------------------------------------
def _raw_post(base_url: str, head: str, body: bytes = b"") -> http.client.HTTPResponse:
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=20)
    sock.sendall(head.encode() + b"\r\n" + body)
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    sock.close()
    return response


def _head(host: str, *lines: str) -> str:
    fixed = [f"POST {WEBHOOK_PATH} HTTP/1.1", f"Host: {host}"]
    if not any(line.lower().startswith("content-type:") for line in lines):
        fixed.append("Content-Type: application/json")
    return "".join(f"{line}\r\n" for line in [*fixed, *lines])


@pytest.mark.django_db(transaction=True)
def test_a_declared_oversized_body_is_refused_before_it_is_read(live_server: Any) -> None:
    """100 MB announced and not one byte sent: the answer comes anyway, so nothing was read."""
    host = urlsplit(live_server.url).netloc
    response = _raw_post(live_server.url, _head(host, "Content-Length: 104857600"))
    assert response.status == 413
    row = only_row()
    assert row.state == WebhookEvent.State.INVALID
    assert row.body == ""
    assert "declared body of 104857600 bytes is over 65536" in row.error


class EndlessBody(io.RawIOBase):
    """A chunked request body that never ends, counting what the server takes of it."""

    def __init__(self) -> None:
        self.taken = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        buffer[: len(buffer)] = b"x" * len(buffer)
        self.taken += len(buffer)
        return len(buffer)


def chunked_request(stream: Any) -> Any:
    """A request as gunicorn hands it over: no length, a decoded stream it ends itself."""
    environ: dict[str, Any] = {
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_LENGTH": "",
        "wsgi.input": stream,
        "wsgi.input_terminated": True,
    }
    return RequestFactory().generic("POST", WEBHOOK_PATH, **environ)


def test_an_endless_chunked_body_is_read_only_up_to_the_limit() -> None:
    stream = EndlessBody()
    request = chunked_request(stream)
    body, refusal = read_bounded(request, LIMIT)
    assert refusal is not None
    assert refusal.status_code == 413
    assert stream.taken == LIMIT + 1
    assert len(body) == LIMIT


def test_a_small_chunked_body_is_read_whole() -> None:
    request = chunked_request(io.BytesIO(b'{"a": 1}'))
    assert read_bounded(request, LIMIT) == (b'{"a": 1}', None)


def _chunked(body: bytes, size: int = 8192) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


@pytest.mark.django_db(transaction=True)
def test_an_oversized_chunked_body_is_refused_by_the_production_server(gunicorn_url: str) -> None:
    host = urlsplit(gunicorn_url).netloc
    body = b"x" * (LIMIT + 32 * 1024)
    response = _raw_post(gunicorn_url, _head(host, "Transfer-Encoding: chunked"), _chunked(body))
    assert response.status == 413
    row = only_row()
    assert row.state == WebhookEvent.State.INVALID
    assert len(row.body) == REFUSED_BODY_BYTES  # refused: only the first KB is kept
    assert "chunked body over 65536 bytes" in row.error
    assert f"body of {LIMIT} bytes" in row.error  # what was read: the limit, never the whole


@pytest.mark.django_db(transaction=True)
def test_a_chunked_delivery_is_accepted_by_the_production_server(
    gunicorn_url: str, celery_worker: Any
) -> None:
    body, headers = builders.signed_delivery("CUSTOMER", str(uuid.uuid4()), "VERIFIED")
    host = urlsplit(gunicorn_url).netloc
    head = _head(host, "Transfer-Encoding: chunked", *(f"{k}: {v}" for k, v in headers.items()))
    assert _raw_post(gunicorn_url, head, _chunked(body, 16)).status == 200
    row = wait_for(only_row, lambda row: row.state != WebhookEvent.State.QUEUED)
    assert row.body == body.decode()
    assert row.state == WebhookEvent.State.UNMATCHED  # nobody has this customer id


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_is_refused_when_the_server_cannot_end_it(live_server: Any) -> None:
    """Django's development server hands over the raw chunked stream: 411, nothing read."""
    host = urlsplit(live_server.url).netloc
    head = _head(host, "Transfer-Encoding: chunked")
    assert _raw_post(live_server.url, head, _chunked(b'{"a": 1}')).status == 411
    assert only_row().state == WebhookEvent.State.INVALID


@pytest.mark.django_db
def test_the_limit_applies_to_what_is_declared(client: Any, settings: Any) -> None:
    settings.WEBHOOK_MAX_BYTES = 1024
    body, headers = builders.signed_delivery(
        "CUSTOMER", str(uuid.uuid4()), "VERIFIED", metadata={"padding": "p" * 2000}
    )
    assert post(client, body, headers).status_code == 413
    assert only_row().body == ""


# --- the database away --------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_database_that_is_away_gives_503_and_writes_nothing(client: Any) -> None:
    body, headers = builders.signed_delivery("CUSTOMER", str(uuid.uuid4()), "VERIFIED")
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent/folder/db.sqlite3"  # cannot be opened
    else:
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = str(free_port())  # nothing listens there
    try:
        response = post(client, body, headers)
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert not WebhookEvent.objects.exists()
