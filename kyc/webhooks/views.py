"""Webhook intake: `POST /webhooks/<provider>/`, answered in milliseconds.

The view reads a bounded body and hands it to kyc/webhooks/intake.py, which stores it
raw, authenticates it and queues its processing. The answer tells the provider whether to
deliver again: 2xx settled, 401/400 refused for good, 413/411 refused, 429 too many refused
lately (kyc/webhooks/limits.py), 5xx try later.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kyc.providers.registry import is_enabled
from kyc.webhooks import intake, limits

logger = logging.getLogger(__name__)

READ_CHUNK = 16 * 1024
MESSAGES = {
    200: "accepted",
    400: "malformed request",
    401: "invalid signature or timestamp",
    411: "a length is required",
    413: "body too large",
    429: "too many refused requests, please slow down",
    503: "temporarily unavailable, please retry",
}
# Each answer's body, encoded once: the intake answers hundreds of times a second.
ANSWERS = {code: json.dumps({"status": text}).encode() for code, text in MESSAGES.items()}
REFUSED = json.dumps({"status": "refused"}).encode()


@dataclass(frozen=True)
class Refusal:
    status_code: int
    error: str


def webhook_path(provider: str) -> str:
    """Where `provider` delivers its webhooks (PUBLIC_BASE_URL + this is registered with it)."""
    return reverse("webhook", kwargs={"provider": provider})


@csrf_exempt  # the provider authenticates itself; there is no session, so no CSRF token either
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """The one URL of every enabled provider; any other name is not found (and not stored)."""
    if not is_enabled(provider):
        raise Http404
    return _intake(request, provider=provider)


def _intake(request: HttpRequest, *, provider: str) -> HttpResponse:
    remote_addr = request.META.get("REMOTE_ADDR")
    try:
        body, refusal = read_bounded(request, settings.WEBHOOK_MAX_BYTES)
        if refusal is None:
            receipt = intake.webhook_receive(
                provider=provider, headers=request.headers, body=body, remote_addr=remote_addr
            )
        else:
            receipt = intake.webhook_refuse(
                provider=provider,
                headers=request.headers,
                body=body,
                remote_addr=remote_addr,
                status_code=refusal.status_code,
                error=refusal.error,
            )
    except intake.UNAVAILABLE as exc:
        # Nothing half-written is acknowledged: the provider delivers again later.
        logger.warning("webhook intake unavailable (%s)", type(exc).__name__)
        response = _answer(503)
        response["Retry-After"] = "30"
        return response
    response = _answer(receipt.status_code)
    if receipt.status_code == intake.LIMITED:
        response["Retry-After"] = str(limits.seconds_left())
    return response


def read_bounded(request: HttpRequest, limit: int) -> tuple[bytes, Refusal | None]:
    """At most `limit` bytes of the body; a larger one is refused before it is read whole."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.strip():
        if not declared.strip().isdigit():
            return b"", Refusal(400, "Content-Length is not a number")
        if int(declared) > limit:
            return b"", Refusal(413, f"declared body of {int(declared)} bytes is over {limit}")
        return request.read(limit + 1), None
    if "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return b"", None  # no body at all
    if not request.META.get("wsgi.input_terminated"):
        # Only a server that ends the decoded stream (gunicorn does) makes a chunked body safe.
        return b"", Refusal(411, "chunked body and the server does not end the stream")
    body = _read_stream(request.META["wsgi.input"], limit + 1)
    if len(body) > limit:
        return body[:limit], Refusal(413, f"chunked body over {limit} bytes (truncated here)")
    return body, None


def _read_stream(stream: IO[bytes], most: int) -> bytes:
    chunks: list[bytes] = []
    left = most
    while left > 0:
        chunk = stream.read(min(left, READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _answer(status_code: int) -> HttpResponse:
    return HttpResponse(
        ANSWERS.get(status_code, REFUSED), status=status_code, content_type="application/json"
    )
