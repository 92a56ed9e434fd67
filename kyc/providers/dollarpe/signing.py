"""DollarPe request signing (API.md §2).

X-SIGNATURE = Base64(HMAC-SHA256(secret, api_key + "|" + timestamp + "|" + sorted JSON body)).
A GET is signed over "{}". The authentication guide's example uses json.dumps' spaced
separators; DollarPe's newer material (and its own webhook signer) signs compact JSON,
with two published test vectors (shared/providers/dollarpe/API.md, addendum). Compact is
the default and the spaced style stays a setting; either way the bytes sent are the
bytes signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Literal

JsonStyle = Literal["python", "compact"]
EMPTY_BODY = "{}"


def canonical_json(body: Mapping[str, Any] | None, style: JsonStyle = "compact") -> str:
    """Keys sorted at every depth; `python` is json.dumps' default spacing, `compact` has none."""
    if body is None:
        return EMPTY_BODY
    if style == "compact":
        return json.dumps(body, sort_keys=True, separators=(",", ":"))
    return json.dumps(body, sort_keys=True)


def signature(api_key: str, api_secret: str, timestamp: str, serialized_body: str) -> str:
    message = f"{api_key}|{timestamp}|{serialized_body}".encode()
    digest = hmac.new(api_secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_headers(
    api_key: str, api_secret: str, timestamp: int, serialized_body: str
) -> dict[str, str]:
    ts = str(timestamp)
    return {
        "X-API-KEY": api_key,
        "X-TIMESTAMP": ts,
        "X-SIGNATURE": signature(api_key, api_secret, ts, serialized_body),
    }
