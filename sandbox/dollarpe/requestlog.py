"""The API request log behind `/_sandbox/requests` (bodies with URL query strings removed)."""

from __future__ import annotations

import re
import time
from typing import Any

from sandbox.dollarpe.redact import redact
from sandbox.dollarpe.runtime import Runtime

_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_PATH_CUSTOMER = re.compile(rf"/(?:customer|configuration|bank/list|bank)/({_UUID})(?:/|$)")


def customer_id_of(path: str, body: Any) -> str | None:
    """The customer a request is about: its body's customer_id, else the path's UUID."""
    if isinstance(body, dict) and isinstance(body.get("customer_id"), str):
        return str(body["customer_id"])
    match = _PATH_CUSTOMER.search(path)
    return match.group(1) if match else None


def record(
    rt: Runtime,
    *,
    method: str,
    path: str,
    query: str | None,
    status: int | None,
    body: Any,
    response: Any = None,
    signature_style: str | None = None,
    org: str | None = None,
    fault: str | None = None,
) -> None:
    rt.store.log_request(
        {
            "at": time.time(),
            "method": method,
            "path": path,
            "query": query or None,
            "status": status,
            "signature_style": signature_style,
            "org": org,
            "customer_id": customer_id_of(path, body),
            "fault": fault,
            "body": redact(body),
            "response": redact(response),
        }
    )
