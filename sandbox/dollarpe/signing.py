"""DollarPe request/webhook signatures (fact sheet §2 and §8.5), implemented independently.

Signature = Base64(HMAC-SHA256(secret, f"{key}|{timestamp}|{S}")) where S is the body as
JSON with sorted keys. The official examples disagree on how S is written, so the emulator
accepts any of the candidate serialisations below and records which one matched; webhooks
are always signed with the compact form, as DollarPe's own webhook helper does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

PYTHON_DEFAULT = "python_default"
COMPACT = "compact"
NODE_ALLOWLIST = "node_allowlist"
# Checked in this order, so an ambiguous body (e.g. `{}` of a GET) is logged as compact.
STYLES: tuple[str, ...] = (COMPACT, PYTHON_DEFAULT, NODE_ALLOWLIST)


def python_default(body: Any) -> str:
    """`json.dumps(body, sort_keys=True)`: the authentication guide's Python helper."""
    return json.dumps(body, sort_keys=True)


def compact(body: Any) -> str:
    """Compact, recursively sorted: the webhook guide's helper and our recommended form."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def node_allowlist(body: Any) -> str:
    """`JSON.stringify(body, Object.keys(body).sort())` as Node really evaluates it.

    An array replacer is an allow-list applied at every depth, so nested objects keep only
    keys that are also top-level keys, in allow-list order; non-ASCII is not escaped.
    """
    if not isinstance(body, dict):
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return _node_value(body, sorted(body))


def _node_value(value: Any, allow: list[str]) -> str:
    if isinstance(value, dict):
        parts = [
            f"{_node_string(key)}:{_node_value(value[key], allow)}" for key in allow if key in value
        ]
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_node_value(item, allow) for item in value) + "]"
    if isinstance(value, str):
        return _node_string(value)
    if isinstance(value, float) and value.is_integer():
        # JavaScript prints 1.0 as 1.
        return str(int(value))
    return json.dumps(value)


def _node_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


SERIALISERS = {PYTHON_DEFAULT: python_default, COMPACT: compact, NODE_ALLOWLIST: node_allowlist}


def sign(api_key: str, api_secret: str, timestamp: str, body_text: str) -> str:
    """Base64 HMAC-SHA256 over `key|timestamp|body_text`, all UTF-8."""
    message = f"{api_key}|{timestamp}|{body_text}".encode()
    digest = hmac.new(api_secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_body(api_key: str, api_secret: str, timestamp: str, body: Any, style: str) -> str:
    return sign(api_key, api_secret, timestamp, SERIALISERS[style](body))


def matching_style(
    api_key: str,
    api_secret: str,
    timestamp: str,
    body: Any,
    signature: str,
    styles: Iterable[str] = STYLES,
) -> str | None:
    """Name of the first accepted serialisation whose signature equals `signature`."""
    for style in styles:
        expected = sign_body(api_key, api_secret, timestamp, body, style)
        if hmac.compare_digest(expected.encode(), signature.encode()):
            return style
    return None
