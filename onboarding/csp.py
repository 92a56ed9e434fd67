"""The Content-Security-Policy (django-csp's middleware sends it on every response).

Scripts and styles come only from our own static files: no inline code, no eval, so markup
that slips into a page cannot run. The browser may fetch and post only to us and to the
documents bucket (the direct upload, and the staff previews, which are presigned GETs).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from csp.constants import NONE, SELF


def origin(url: str) -> str:
    """scheme://host[:port] of a URL (no user info, no path): what a CSP source names."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]  # keeps an IPv6 address's brackets
    return f"{parts.scheme}://{host}"


def policy(*, bucket_url: str, form_targets: Iterable[str]) -> dict[str, Any]:
    """The policy for CONTENT_SECURITY_POLICY. bucket_url is where the browser uploads to
    and loads previews from; form_targets are the other origins a form may lead to (a form
    that posts to us and is redirected elsewhere must be allowed to go there too)."""
    bucket = origin(bucket_url)
    return {
        "DIRECTIVES": {
            "default-src": [NONE],
            "script-src": [SELF],
            "style-src": [SELF],
            # blob: is the photo preview (URL.createObjectURL of the chosen file).
            "img-src": [SELF, "blob:", bucket],
            "connect-src": [SELF, bucket],
            "form-action": [SELF, *sorted(set(form_targets))],
            "frame-ancestors": [NONE],
            "base-uri": [NONE],
            "object-src": [NONE],
        }
    }
