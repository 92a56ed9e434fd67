"""Verification and parsing of DollarPe webhooks (API.md §8).

X-SIGNATURE = Base64(HMAC-SHA256(secret, api_key|X-TIMESTAMP|compact sorted JSON of the body)),
with our own key pair; X-TIMESTAMP must be within the tolerance window.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kyc.providers.base import json_object
from kyc.providers.dollarpe.signing import canonical_json, signature
from kyc.providers.errors import InvalidWebhookError
from kyc.providers.moments import Moment

# Unix seconds are 10 digits until 2286; a larger value is taken as milliseconds,
# since the docs do not rule that out (API.md §14, question 2).
_MILLISECONDS_ABOVE = 10**11


class WebhookError(InvalidWebhookError):
    """The request is not a webhook we can trust or read."""

    http_status = 401


class MalformedWebhook(WebhookError):
    http_status = 400


class StaleWebhook(WebhookError):
    pass


class BadWebhookSignature(WebhookError):
    pass


class WebhookEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["CUSTOMER", "BANK", "PAYIN", "PAYOUT", "EDD"]
    id: str = Field(min_length=1, max_length=100)
    event: str = Field(min_length=1, max_length=50)
    timestamp: Moment
    metadata: dict[str, Any] = {}

    @field_validator("metadata", mode="before")
    @classmethod
    def _metadata_may_be_null(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def failure_reason(self) -> str | None:
        reason = self.metadata.get("failure_reason")
        return reason if isinstance(reason, str) and reason else None


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name) or headers.get(name.lower())
    if not value:
        raise BadWebhookSignature(f"missing {name} header")
    return value.strip()


def _check_timestamp(raw: str, tolerance: int, now: float) -> None:
    if not raw.isdigit():
        raise StaleWebhook("X-TIMESTAMP is not a Unix time")
    seconds = int(raw) / 1000 if int(raw) > _MILLISECONDS_ABOVE else int(raw)
    if abs(now - seconds) > tolerance:
        raise StaleWebhook(f"X-TIMESTAMP is more than {tolerance} s away from now")


def _parse_json(body: bytes) -> dict[str, Any]:
    return json_object(body, MalformedWebhook)


def check_signature(
    *,
    headers: Mapping[str, str],
    body: bytes,
    api_key: str,
    api_secret: str,
    tolerance: int = 300,
    now: float | None = None,
) -> dict[str, Any]:
    """The JSON document, if the delivery is authentic and fresh; a WebhookError if not."""
    document = _parse_json(body)
    timestamp = _header(headers, "X-TIMESTAMP")
    given = _header(headers, "X-SIGNATURE")
    _check_timestamp(timestamp, tolerance, time.time() if now is None else now)
    expected = signature(api_key, api_secret, timestamp, canonical_json(document, "compact"))
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise BadWebhookSignature("X-SIGNATURE does not match")
    return document


def read_webhook(body: bytes | dict[str, Any]) -> WebhookEvent:
    """The event of a delivery (authenticated already); MalformedWebhook if it is not one."""
    document = body if isinstance(body, dict) else _parse_json(body)
    try:
        return WebhookEvent.model_validate(document)
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}))
        raise MalformedWebhook(f"unexpected webhook fields: {fields or 'body'}") from None


def verify_webhook(**options: Any) -> WebhookEvent:
    """check_signature() then read_webhook(): the event of an authentic, fresh delivery."""
    return read_webhook(check_signature(**options))
