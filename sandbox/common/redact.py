"""Strip query strings from URLs before they reach logs.

Document URLs are presigned and gatherer links carry a token: a URL's query string is often
a bearer credential, so only scheme, host and path are ever logged or recorded.
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
