"""The running emulator's shared objects, plus the small helpers every module needs.

`Runtime` is what handlers, jobs and the control API share: the store, the start-up and
current configuration, the job wake-up event and the fault dice (all shared with the other
emulators: sandbox/common/runtime.py), plus the rate limiter. Ids and
timestamps are made here so they look alike everywhere (Rebilly style: `cus_` + 26
Crockford base-32 characters, RFC 3339 UTC seconds).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field

from sandbox.common.runtime import RuntimeBase
from sandbox.rebilly.config import EmulatorConfig, Org, RuntimeConfig
from sandbox.rebilly.ratelimit import RateLimiter
from sandbox.rebilly.state import Store

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str) -> str:
    """`prefix` + a ULID-like 26-character id: time-ordered, then random."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = [_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return prefix + "".join(chars)


def iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return iso(time.time())


def parse_time(text: str) -> float | None:
    """An RFC 3339 date-time with an offset, as a Unix time; None when it is not one."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if "T" not in text.upper() or moment.tzinfo is None:
        return None
    return moment.timestamp()


@dataclass
class Runtime(RuntimeBase[Store, EmulatorConfig, RuntimeConfig]):
    """The shared runtime (sandbox/common/runtime.py) plus the per-organization rate limit."""

    limiter: RateLimiter = field(default_factory=RateLimiter)

    def org_of_key(self, api_key: str) -> Org | None:
        return next((org for org in self.startup.orgs if org.api_key == api_key), None)

    def api_base(self, org_id: str) -> str:
        return f"{self.startup.public_url}/organizations/{org_id}"
