"""Header authentication of API calls (fact sheet §2, §2.5).

Unknown or missing key and a bad timestamp answer 401; a signature that matches none of
the accepted serialisations answers 400 `errors.signature = ["Invalid Signature"]`, the
only auth failure whose body DollarPe documents.
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.dollarpe.config import Org
from sandbox.dollarpe.envelopes import ApiError
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.signing import matching_style


def unauthorized(field: str, text: str) -> ApiError:
    return ApiError({field: [text]}, status=401)


def check_headers(rt: Runtime, api_key: str, timestamp: str) -> tuple[Org, str]:
    """The organisation of X-API-KEY and the X-TIMESTAMP string, or a 401 ApiError."""
    if not api_key:
        raise unauthorized("api_key", "API key is required")
    org = rt.org(api_key)
    if org is None:
        raise unauthorized("api_key", "Invalid API key")
    if not timestamp:
        raise unauthorized("timestamp", "Timestamp is required")
    if not timestamp.isascii() or not timestamp.isdigit():
        raise unauthorized("timestamp", "Invalid timestamp")
    if abs(time.time() - int(timestamp)) > rt.config.timestamp_window:
        raise unauthorized("timestamp", "Timestamp expired or outside the allowed window")
    return org, timestamp


def check_signature(rt: Runtime, org: Org, timestamp: str, body: Any, signature: str | None) -> str:
    """Name of the serialisation the caller signed with, or a 400 ApiError."""
    style = None
    if signature:
        style = matching_style(
            org.api_key, org.api_secret, timestamp, body, signature, rt.config.signature_styles
        )
    if style is None:
        raise ApiError({"signature": ["Invalid Signature"]})
    return style
