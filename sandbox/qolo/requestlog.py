"""The API request log behind `/_sandbox/requests`: one entry per API call, faulted ones too.

Credentials never reach it: the API key of a login body, the token of its answer and a
webhook secret are masked, URL query strings are stripped and long strings (base64
documents) become their length. Each entry says which login made the call (the token's, or
the one a login body named) and which person it was about.
"""

from __future__ import annotations

import re
import time
from typing import Any

from sandbox.common.redact import masked, redact, shrink
from sandbox.qolo.runtime import Runtime

SECRET_KEYS = frozenset({"api_key", "apikey", "token", "access_token", "jwt", "secret"})
_PERSON_PATH = re.compile(r"/persons/([0-9a-fA-F-]{36})(?:/|$)")


def person_of(path: str, body: Any, answer: Any) -> str | None:
    """The person a call is about: its path's GUID, else the body's or the answer's."""
    match = _PERSON_PATH.search(path)
    if match:
        return match.group(1).lower()
    for value in (body, answer):
        if isinstance(value, dict):
            details = value.get("person_details")
            holder = details if isinstance(details, dict) else value
            guid = holder.get("person_guid")
            if isinstance(guid, str):
                return guid.lower()
    return None


def record(
    rt: Runtime,
    method: str,
    path: str,
    status: int | None,
    *,
    login_id: str | None = None,
    body: Any = None,
    response: Any = None,
    query: str | None = None,
    idempotency_key: str | None = None,
    replayed: bool = False,
    fault: str | None = None,
) -> None:
    """Log one call (`response`: the JSON answer, None for none)."""
    rt.store.log_request(
        {
            "at": time.time(),
            "login_id": login_id,
            "method": method,
            "path": path,
            "query": query or None,
            "status": status,
            "person_guid": person_of(path, body, response),
            "idempotency_key": idempotency_key,
            "replayed": replayed,
            "fault": fault,
            "body": redact(shrink(masked(body, SECRET_KEYS))),
            "response": redact(shrink(masked(response, SECRET_KEYS))),
        }
    )
