from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from kyc.providers.dollarpe.webhooks import (
    BadWebhookSignature,
    MalformedWebhook,
    StaleWebhook,
    verify_webhook,
)

KEY, SECRET, NOW = "org-key", "org-secret", 1752670745
EVENT = {
    "type": "CUSTOMER",
    "event": "FAILED",
    "id": "075986f3-282b-4555-bfcd-fad973e32596",
    "timestamp": "2025-07-16T12:59:05Z",
    "metadata": {"failure_reason": "TAX_VERIFICATION_FAILED"},
}


def _sign(body: dict, ts: int | str, secret: str = SECRET) -> str:
    # Written out here, independently of the code under test, as the webhook guide shows it.
    message = f"{KEY}|{ts}|{json.dumps(body, sort_keys=True, separators=(',', ':'))}"
    return base64.b64encode(
        hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    ).decode()


def _verify(raw: bytes, headers: dict[str, str], tolerance: int = 300):
    return verify_webhook(
        headers=headers, body=raw, api_key=KEY, api_secret=SECRET, tolerance=tolerance, now=NOW
    )


def test_a_signed_fresh_delivery_is_accepted_whatever_the_byte_layout():
    pretty = json.dumps(EVENT, indent=2).encode()  # receivers re-parse: layout must not matter
    event = _verify(pretty, {"X-TIMESTAMP": str(NOW - 10), "X-SIGNATURE": _sign(EVENT, NOW - 10)})
    assert (event.type, event.event, event.id) == ("CUSTOMER", "FAILED", EVENT["id"])
    assert event.failure_reason == "TAX_VERIFICATION_FAILED"


def test_header_names_are_case_insensitive_for_lowercase_mappings():
    event = _verify(
        json.dumps(EVENT).encode(), {"x-timestamp": str(NOW), "x-signature": _sign(EVENT, NOW)}
    )
    assert event.id == EVENT["id"]


def test_millisecond_timestamps_are_understood():
    ts = (NOW - 5) * 1000
    assert _verify(
        json.dumps(EVENT).encode(), {"X-TIMESTAMP": str(ts), "X-SIGNATURE": _sign(EVENT, ts)}
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"X-TIMESTAMP": str(NOW), "X-SIGNATURE": _sign(EVENT, NOW, secret="other")},
        {"X-TIMESTAMP": str(NOW), "X-SIGNATURE": _sign(EVENT, NOW - 1)},
        {"X-TIMESTAMP": str(NOW)},
        {"X-SIGNATURE": _sign(EVENT, NOW)},
    ],
    ids=["wrong-secret", "signature-of-another-timestamp", "no-signature", "no-timestamp"],
)
def test_forged_or_unsigned_deliveries_are_refused(headers):
    with pytest.raises(BadWebhookSignature):
        _verify(json.dumps(EVENT).encode(), headers)


def test_a_tampered_body_is_refused():
    tampered = {**EVENT, "event": "VERIFIED", "metadata": {}}
    with pytest.raises(BadWebhookSignature):
        _verify(
            json.dumps(tampered).encode(),
            {"X-TIMESTAMP": str(NOW), "X-SIGNATURE": _sign(EVENT, NOW)},
        )


@pytest.mark.parametrize("ts", [NOW - 301, NOW + 301, "yesterday", "-5"])
def test_stale_or_garbled_timestamps_are_refused(ts):
    with pytest.raises(StaleWebhook):
        _verify(
            json.dumps(EVENT).encode(), {"X-TIMESTAMP": str(ts), "X-SIGNATURE": _sign(EVENT, ts)}
        )


def test_the_window_is_configurable():
    headers = {"X-TIMESTAMP": str(NOW - 500), "X-SIGNATURE": _sign(EVENT, NOW - 500)}
    assert _verify(json.dumps(EVENT).encode(), headers, tolerance=600)


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_malformed_json_is_a_400_kind_of_error(raw):
    with pytest.raises(MalformedWebhook) as caught:
        _verify(raw, {"X-TIMESTAMP": str(NOW), "X-SIGNATURE": "x"})
    assert caught.value.http_status == 400


def test_a_signed_body_without_the_documented_fields_is_malformed():
    body = {"type": "CUSTOMER", "event": "VERIFIED"}
    with pytest.raises(MalformedWebhook, match="id"):
        _verify(
            json.dumps(body).encode(), {"X-TIMESTAMP": str(NOW), "X-SIGNATURE": _sign(body, NOW)}
        )
