"""Emulator configuration: start-up options and the runtime knobs `/_sandbox/config` patches.

Every behaviour the fact sheet leaves open ([I] or §14) is a knob here, so tests can pin
the alternative readings without code changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.common.options import FAULT_PARSERS, FaultOptions, check_parsers, parse_delays
from sandbox.common.options import ConfigError as ConfigError  # re-exported
from sandbox.common.options import boolean as _boolean
from sandbox.common.options import choice as _choice
from sandbox.common.options import integer as _integer
from sandbox.common.options import mapping as _mapping
from sandbox.common.options import number as _number
from sandbox.common.options import optional as _optional
from sandbox.common.options import subset as _subset
from sandbox.common.options import text as _text
from sandbox.dollarpe.signing import STYLES

UPDATE_RESPONSE_STATUSES = ("PROCESSING", "UNVERIFIED")
SCOPES = ("global", "org")


@dataclass(frozen=True)
class Org:
    api_key: str
    api_secret: str


def parse_org(text: str) -> Org:
    """`KEY:SECRET` as given to `--org`; the secret may itself contain colons."""
    key, sep, secret = text.partition(":")
    if not sep or not key or not secret:
        raise ValueError(f"expected KEY:SECRET, got {text!r}")
    return Org(key, secret)


DEFAULT_ORG = Org("sandbox-key", "sandbox-secret")


@dataclass(frozen=True)
class RuntimeConfig(FaultOptions):
    """Options that may change while the emulator runs (all JSON-representable), the fault
    options (sandbox/common/options.py) included."""

    decision_delay: float = 5.0
    bank_decision_delay: float = 3.0
    timestamp_window: float = 300.0
    webhook_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)
    webhook_timeout: float = 5.0
    # The sandbox "auto-approves most submissions"; off = stay PROCESSING until mock/decide.
    auto_decision: bool = True
    update_limit: int = 3
    update_response_status: str = "PROCESSING"
    reset_clears_update_count: bool = False
    # Reason set when a failure happens with no updates left; null keeps the rule's reason.
    limit_failure_reason: str | None = "KYC_FAILED"
    mock_extended_failures: bool = True
    additional_info_failure_code: str = "ADDITIONAL_INFO_VERIFICATION_FAILED"
    kyc_in_use_scope: str = "global"
    phone_required: bool = True
    kyc_phone_required: bool = False
    kyc_tax_number_required: bool = False
    bank_account_name_required: bool = False
    instant_bank: bool = False
    instant_bank_webhook: bool = True
    bank_count_failed: bool = False
    vpa_account_type: str = "VPA"
    webhook_duplicates: int = 0
    hold_webhooks: bool = False
    kyc_configuration: Mapping[str, Any] | None = None
    kyc_configuration_non_resident: Mapping[str, Any] | None = None
    page_size: int = 10
    signature_styles: tuple[str, ...] = STYLES
    document_fetch_timeout: float = 10.0
    document_max_bytes: int = 15 * 1024 * 1024
    link_ttl: float = 3600.0


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything `create_app` needs besides the state file."""

    orgs: tuple[Org, ...] = (DEFAULT_ORG,)
    public_url: str | None = None
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)


RuntimeConfig.PARSERS = {
    **FAULT_PARSERS,
    "decision_delay": _number(),
    "bank_decision_delay": _number(),
    "timestamp_window": _number(),
    "webhook_retry_delays": parse_delays,
    "webhook_timeout": _number(0.001),
    "auto_decision": _boolean,
    "update_limit": _integer(),
    "update_response_status": _choice(UPDATE_RESPONSE_STATUSES),
    "reset_clears_update_count": _boolean,
    "limit_failure_reason": _optional(_text),
    "mock_extended_failures": _boolean,
    "additional_info_failure_code": _text,
    "kyc_in_use_scope": _choice(SCOPES),
    "phone_required": _boolean,
    "kyc_phone_required": _boolean,
    "kyc_tax_number_required": _boolean,
    "bank_account_name_required": _boolean,
    "instant_bank": _boolean,
    "instant_bank_webhook": _boolean,
    "bank_count_failed": _boolean,
    "vpa_account_type": _text,
    "webhook_duplicates": _integer(),
    "hold_webhooks": _boolean,
    "kyc_configuration": _optional(_mapping),
    "kyc_configuration_non_resident": _optional(_mapping),
    "page_size": _integer(1),
    "signature_styles": _subset(STYLES),
    "document_fetch_timeout": _number(0.001),
    "document_max_bytes": _integer(1),
    "link_ttl": _number(),
}

check_parsers(RuntimeConfig, RuntimeConfig.PARSERS)
