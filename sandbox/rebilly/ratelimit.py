"""Per-organization rate limit of non-GET calls (fact sheet §1: 3000 per 10 minutes).

The fixed window is the shared one (sandbox/common/ratelimit.py), keyed by organization;
`X-RateLimit-Retry-After` is the UTC Unix time the window closes.
"""

from __future__ import annotations

from sandbox.common.ratelimit import Quota, RateLimiter

__all__ = ["Quota", "RateLimiter"]
