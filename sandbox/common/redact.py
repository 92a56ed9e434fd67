"""Strip query strings from URLs before they reach logs, and shorten what would flood them.

Document URLs are presigned and gatherer links carry a token: a URL's query string is often
a bearer credential, so only scheme, host and path are ever logged or recorded. Base64 file
content is replaced by its length (`shrink`), and credentials in bodies by a mask (`masked`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit


def strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def host_and_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def redact(value: Any) -> Any:
    """A copy of a JSON value with every http(s) URL's query string and fragment removed."""
    if isinstance(value, dict):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        try:
            return strip_query(value)
        except ValueError:
            return value.split("?", 1)[0]
    return value


LONG_TEXT = 512


def shrink(value: Any, limit: int = LONG_TEXT) -> Any:
    """A copy of a JSON value whose strings longer than `limit` became `<N characters>`."""
    if isinstance(value, dict):
        return {key: shrink(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [shrink(item, limit) for item in value]
    if isinstance(value, str) and len(value) > limit:
        return f"<{len(value)} characters>"
    return value


MASK = "********"


def masked(value: Any, keys: frozenset[str]) -> Any:
    """A copy of a JSON value whose non-empty strings under any of `keys` became MASK."""
    if isinstance(value, dict):
        return {
            key: MASK if key in keys and isinstance(item, str) and item else masked(item, keys)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked(item, keys) for item in value]
    return value
