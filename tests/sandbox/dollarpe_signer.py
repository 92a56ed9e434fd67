"""Test-side DollarPe signing, written from the fact sheet (§2, §8.5) and not from the emulator.

Kept apart from `sandbox.dollarpe.signing` on purpose: if both shared one bug, the tests
would not see it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def body_text(body: Any, style: str = "compact") -> str:
    if style == "compact":
        return json.dumps(body, sort_keys=True, separators=(",", ":"))
    if style == "python_default":
        return json.dumps(body, sort_keys=True)
    if style == "node_allowlist":
        return _node(body)
    raise ValueError(style)


def _node(body: dict[str, Any]) -> str:
    """JSON.stringify(body, Object.keys(body).sort()) for the shapes the tests send."""
    allow = sorted(body)

    def encode(value: Any) -> str:
        if isinstance(value, dict):
            inner = ",".join(
                f"{json.dumps(k, ensure_ascii=False)}:{encode(value[k])}"
                for k in allow
                if k in value
            )
            return "{" + inner + "}"
        if isinstance(value, list):
            return "[" + ",".join(encode(v) for v in value) + "]"
        return json.dumps(value, ensure_ascii=False)

    return encode(body)


def signature(api_key: str, api_secret: str, timestamp: str, text: str) -> str:
    message = f"{api_key}|{timestamp}|{text}".encode()
    return base64.b64encode(
        hmac.new(api_secret.encode(), message, hashlib.sha256).digest()
    ).decode()


def verify_webhook(api_key: str, api_secret: str, headers: dict[str, str], raw: bytes) -> bool:
    """What a receiver does: re-serialise compactly and compare in constant time."""
    expected = signature(
        api_key, api_secret, headers["X-TIMESTAMP"], body_text(json.loads(raw), "compact")
    )
    return hmac.compare_digest(expected, headers["X-SIGNATURE"])
