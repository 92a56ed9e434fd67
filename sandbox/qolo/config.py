"""Emulator configuration: start-up options and the runtime knobs `/_sandbox/config` patches.

Where the fact sheet leaves a behaviour open (its "Open questions"), the reading we chose is
the default and the alternatives are knobs, so a test can pin either without code changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.common import options as opt
from sandbox.qolo.vocabulary import CDD, MODES

LOGIN_KEYS = ("both", "snake", "flat")
TOKEN_FIELDS = ("token", "access_token", "jwt")
TOKEN_ENVELOPES = ("top", "data")
DOCUMENT_OUTCOMES = ("pass", "fail")
WEBHOOK_ENVELOPES = ("data", "flat", "nested")
# Qolo retries a delivery "up to 6 times" (fact sheet §7).
MAX_RETRIES = 6


@dataclass(frozen=True)
class Login:
    login_id: str
    api_key: str


@dataclass(frozen=True)
class Program:
    guid: str
    mode: str


def parse_login(text: str) -> Login:
    """`LOGIN_ID:API_KEY` as given to `--login`; the key may itself contain colons."""
    login_id, sep, api_key = text.partition(":")
    if not sep or not login_id or not api_key:
        raise ValueError(f"expected LOGIN_ID:API_KEY, got {text!r}")
    return Login(login_id, api_key)


def parse_program(text: str) -> Program:
    """`GUID[:MODE]` as given to `--program`; the mode (SDD or CDD) defaults to CDD."""
    guid, _, mode = text.partition(":")
    try:
        canonical = str(uuid.UUID(guid))
    except ValueError:
        raise ValueError(f"expected a program GUID[:SDD|CDD], got {text!r}") from None
    mode = (mode or CDD).upper()
    if mode not in MODES:
        raise ValueError(f"the mode of {canonical} must be SDD or CDD, got {mode!r}")
    return Program(canonical, mode)


DEFAULT_LOGIN = Login("sandbox-login", "sandbox-api-key")
DEFAULT_PROGRAM = Program("7c4f8e2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b", CDD)


def _retry_delays(value: Any) -> tuple[float, ...]:
    delays = opt.parse_delays(value)
    if len(delays) > MAX_RETRIES:
        raise ValueError(f"Qolo retries at most {MAX_RETRIES} times")
    return delays


@dataclass(frozen=True)
class RuntimeConfig(opt.FaultOptions):
    """Options that may change while the emulator runs (all JSON-representable), the fault
    options (fault_rate, fault_modes, fault_seed, fault_timeout_seconds) included."""

    # Seconds before a verification is decided (0: inside the call).
    decision_delay: float = 0.0
    # Access tokens live 12 hours [GS].
    token_ttl: float = 43200.0
    # Open question 8: no schedule is published, only "up to 6 retries" and a 5 s timeout.
    webhook_retry_delays: tuple[float, ...] = (5.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
    webhook_timeout: float = 5.0
    # Open question 1: the login body's key names and the answer's token field.
    login_keys: str = "both"
    token_field: str = "token"  # noqa: S105 - a field name, not a secret
    token_envelope: str = "top"  # noqa: S105
    # CDD programs clear a person only once a document passed too (SDD never asks for one).
    require_document: bool = True
    document_outcome: str = "pass"
    # Open question 4: plain base64; a `data:...;base64,` prefix is tolerated unless false.
    accept_data_uri: bool = True
    max_document_bytes: int = 10 * 1024 * 1024
    # Open question 7: "Person Already Verified" as a 400 ProblemDetails, the status a knob.
    already_verified_status: int = 400
    # Open question 8: the webhook body.
    webhook_envelope: str = "data"
    duplicate_deliveries: bool = False
    hold_deliveries: bool = False
    # How long an IdempotencyKey's first answer is replayed (undocumented; ours).
    idempotency_ttl: float = 86400.0
    # The gateway's limit (429): calls per window for all logins; None: no limit.
    rate_limit: int | None = None
    rate_limit_window: float = 60.0
    # Default `limit` of searches and webhook lists when the caller gives none.
    page_limit: int = 10


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything `create_app` needs besides the state file."""

    logins: tuple[Login, ...] = (DEFAULT_LOGIN,)
    programs: tuple[Program, ...] = (DEFAULT_PROGRAM,)
    # Base of the document paths handed out (served by the control API).
    public_url: str = "http://127.0.0.1:8300"
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)


def _status(value: Any) -> int:
    status = opt.integer(400)(value)
    if status > 499:
        raise ValueError("must be a 4xx status")
    return status


RuntimeConfig.PARSERS = {
    **opt.FAULT_PARSERS,
    "decision_delay": opt.number(),
    "token_ttl": opt.number(),
    "webhook_retry_delays": _retry_delays,
    "webhook_timeout": opt.number(0.001),
    "login_keys": opt.choice(LOGIN_KEYS),
    "token_field": opt.choice(TOKEN_FIELDS),
    "token_envelope": opt.choice(TOKEN_ENVELOPES),
    "require_document": opt.boolean,
    "document_outcome": opt.choice(DOCUMENT_OUTCOMES),
    "accept_data_uri": opt.boolean,
    "max_document_bytes": opt.integer(1),
    "already_verified_status": _status,
    "webhook_envelope": opt.choice(WEBHOOK_ENVELOPES),
    "duplicate_deliveries": opt.boolean,
    "hold_deliveries": opt.boolean,
    "idempotency_ttl": opt.number(),
    "rate_limit": opt.optional(opt.integer()),
    "rate_limit_window": opt.number(0.001),
    "page_limit": opt.integer(1),
}

opt.check_parsers(RuntimeConfig, RuntimeConfig.PARSERS)
