"""Rebilly webhooks: who sent them, and what they report (API.md §7).

Rebilly signs nothing: a delivery proves its origin with the HTTP Basic credential we
registered for our host (`POST /service-credentials/webhook` [SPEC WebhookCredential])
[WHCONF]. We compare it in constant time, and re-fetch the request before applying
anything, since deliveries may be delayed or sent twice [WHCONF].
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from kyc.providers.base import json_object
from kyc.providers.errors import InvalidWebhookError
from kyc.providers.interface import Delivery, ProviderEvent
from kyc.providers.rebilly.types import WebhookBody
from kyc.providers.rebilly.vocabulary import EVENTS


class BadCredentials(InvalidWebhookError):
    http_status = 401


class MalformedWebhook(InvalidWebhookError):
    http_status = 400


def check_basic(headers: Mapping[str, str], *, username: str, password: str) -> None:
    """Raise BadCredentials unless `Authorization: Basic` carries exactly our credential."""
    header = headers.get("Authorization") or ""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise BadCredentials("no Basic credentials")
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadCredentials("unreadable Basic credentials") from None
    expected = f"{username}:{password}".encode()
    # Both sides hashed first, so the comparison takes as long whatever the lengths.
    if not hmac.compare_digest(hashlib.sha256(given).digest(), hashlib.sha256(expected).digest()):
        raise BadCredentials("wrong Basic credentials")


def read_webhook(body: bytes) -> WebhookBody:
    document = json_object(body, MalformedWebhook)
    try:
        return WebhookBody.model_validate(document)
    except ValidationError as exc:
        where = ".".join(map(str, exc.errors()[0]["loc"])) if exc.errors() else "body"
        raise MalformedWebhook(f"unexpected webhook body ({where})") from None


def delivery(body: bytes) -> Delivery:
    """One delivery, one event. Its dedupe key is the event, its subject and the subject's
    revision, so a redelivery collapses and each later change gets a row of its own."""
    hook = read_webhook(body)
    event_type = hook.event_type
    is_document = event_type.startswith("kyc-document-")
    subject_id = (hook.kyc_document_id if is_document else hook.kyc_request_id) or ""
    revision = hook.revision_of("kycDocument" if is_document else "kycRequest")
    if revision is None:  # no revision to tell versions apart: the body itself does
        marker = "sha256-" + hashlib.sha256(body).hexdigest()[:32]
    else:
        marker = str(revision)
    key = f"{event_type}:{subject_id}:{marker}"[:255]
    common: dict[str, Any] = {"entity_id": hook.customer_id or "", "raw_type": event_type[:50]}
    if event_type not in EVENTS:
        event = ProviderEvent(
            "ignored", raw_event=subject_id[:50], note=f"{event_type[:50]} is not used", **common
        )
    elif not hook.customer_id:
        raise MalformedWebhook("the delivery names no customer")
    else:
        # The delivery says what changed; the request is fetched again before it is applied.
        event = ProviderEvent("verification", raw_event=subject_id[:50], outcome=None, **common)
    return Delivery(dedupe_key=key, events=(event,))
