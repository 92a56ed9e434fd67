"""Emulator configuration: start-up options and the runtime knobs `/_sandbox/config` patches.

Where the fact sheet leaves a behaviour open (its "Open questions"), the reading we chose is
the default and the alternative is a knob, so a test can pin either without code changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sandbox.common import options as opt

# Secret sandbox keys only (fact sheet §2: `type_environment_payload`).
API_KEY = re.compile(r"^sk_sandbox_\S+$")
ORG_ID = re.compile(r"^[@~\-.\w]{1,50}$", re.ASCII)
GATHERER_RELS = ("gatherer", "kycGatherer", "both")


@dataclass(frozen=True)
class Org:
    organization_id: str
    api_key: str


def parse_org(text: str) -> Org:
    """`ORG_ID:API_KEY` as given to `--org`."""
    org_id, sep, key = text.partition(":")
    if not sep or not ORG_ID.match(org_id) or not API_KEY.match(key):
        raise ValueError(f"expected ORG_ID:sk_sandbox_..., got {text!r}")
    return Org(org_id, key)


DEFAULT_ORG = Org("org-sandbox", "sk_sandbox_local")


@dataclass(frozen=True)
class RuntimeConfig(opt.FaultOptions):
    """Options that may change while the emulator runs (all JSON-representable), the fault
    options (sandbox/common/options.py) included."""

    # Seconds between an upload and the emulator's accept/reject of it (0: at once).
    decision_delay: float = 1.0
    # The retry schedule is not published (open question 7): ours, configurable.
    webhook_retry_delays: tuple[float, ...] = (5.0, 30.0, 120.0)
    webhook_timeout: float = 5.0
    # Sandbox: 3000 non-GET calls per 10 minutes per organization (fact sheet §1).
    rate_limit: int = 3000
    rate_limit_window: float = 600.0
    # Emulator-only: a customer whose primary email is listed here answers 409.
    conflict_emails: tuple[str, ...] = ()
    # Open question 2: the spec says `gatherer`, the guide still shows `kycGatherer`.
    gatherer_rel: str = "gatherer"
    duplicate_deliveries: bool = False
    hold_deliveries: bool = False
    # Optional events (the spec defines them without saying when they fire).
    document_modified_events: bool = False
    document_reviewed_events: bool = False
    # Open question 8: does an `in-progress` document (being analysed) make the request
    # `pending-review` like a `pending` one? We say yes; false keeps it `attempted`.
    in_progress_is_pending_review: bool = True
    # Default expirationTime of a new request, seconds from now (spec: one hour).
    request_ttl: float = 3600.0
    max_active_webhooks: int = 25
    max_file_bytes: int = 10 * 1024 * 1024
    page_limit: int = 100
    # Open question 3: the sandbox accepts a credit file when the first name is this.
    credit_file_accept_name: str = "accept"


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything `create_app` needs besides the state file."""

    orgs: tuple[Org, ...] = (DEFAULT_ORG,)
    # Base of every link the emulator hands out (gatherer pages, `_links`, Location).
    public_url: str = "http://127.0.0.1:8200"
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)


RuntimeConfig.PARSERS = {
    **opt.FAULT_PARSERS,
    "decision_delay": opt.number(),
    "webhook_retry_delays": opt.parse_delays,
    "webhook_timeout": opt.number(0.001),
    "rate_limit": opt.integer(),
    "rate_limit_window": opt.number(0.001),
    "conflict_emails": opt.strings,
    "gatherer_rel": opt.choice(GATHERER_RELS),
    "duplicate_deliveries": opt.boolean,
    "hold_deliveries": opt.boolean,
    "document_modified_events": opt.boolean,
    "document_reviewed_events": opt.boolean,
    "in_progress_is_pending_review": opt.boolean,
    "request_ttl": opt.number(),
    "max_active_webhooks": opt.integer(),
    "max_file_bytes": opt.integer(1),
    "page_limit": opt.integer(0),
    "credit_file_accept_name": opt.text,
}

opt.check_parsers(RuntimeConfig, RuntimeConfig.PARSERS)
