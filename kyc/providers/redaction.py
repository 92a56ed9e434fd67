"""What of a provider request body may be stored or logged, for every provider.

Identity numbers and secrets are masked (their last characters kept, so staff can tell
two apart), long strings (a document sent inline) are left out, and presigned links
lose their query (whoever holds one can fetch the file). An adapter that knows its
fields by name (kyc/providers/dollarpe/redaction.py) uses the same two helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# A value under a key containing one of these is an identity number or a secret.
SECRET_KEY_PARTS = ("number", "tax", "ssn", "vpa", "iban", "password", "secret", "token", "key")
# ...and of these, nothing at all is kept.
WHOLLY_SECRET = ("password", "secret", "token", "api_key", "apikey")
LONGEST_KEPT = 256  # characters; longer is a document inline, or worse: never stored


def mask(value: str, keep: int = 2) -> str:
    """Keep the last `keep` characters, so staff can still tell two numbers apart."""
    return "•" * max(len(value) - keep, 3) + value[-keep:] if len(value) > keep else "•••"


def strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def redact_by_name(value: Any, key: str = "") -> Any:
    if isinstance(value, Mapping):
        return {name: redact_by_name(item, str(name)) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_by_name(item, key) for item in value]
    if not isinstance(value, str) or not value:
        return value
    lowered = key.lower()
    if any(part in lowered for part in WHOLLY_SECRET):
        return "•••"  # a credential: not even its length or its end
    if any(part in lowered for part in SECRET_KEY_PARTS):
        return mask(value)
    if len(value) > LONGEST_KEPT:
        return f"<{len(value)} characters, not kept>"
    if value.startswith(("http://", "https://")) and "?" in value:
        return strip_query(value)
    return value
