"""URL redaction for DollarPe's logs; the helpers are shared with the other emulators."""

from __future__ import annotations

from sandbox.common.redact import host_and_path, redact, strip_query

__all__ = ["host_and_path", "redact", "strip_query"]
