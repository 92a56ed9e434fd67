"""Command line of `python -m sandbox.dollarpe`.

Every option can also come from `DOLLARPE_SANDBOX_<OPTION>` (upper case, `-` → `_`); the
command line wins. `--org` may be repeated; its variable takes a comma-separated list.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence

from sandbox.common.cli import (
    EnvOptions,
    json_object,
    log_level,
    non_negative,
    parse_emulator_args,
    port,
    runtime_changes,
)
from sandbox.dollarpe.config import (
    DEFAULT_ORG,
    EmulatorConfig,
    Org,
    RuntimeConfig,
    parse_delays,
    parse_org,
)

ENV_PREFIX = "DOLLARPE_SANDBOX_"
_RUNTIME_OPTIONS = (
    "decision_delay",
    "bank_decision_delay",
    "timestamp_window",
    "webhook_retry_delays",
    "webhook_timeout",
)


def _options(env: Mapping[str, str]) -> EnvOptions:
    options = EnvOptions(
        ENV_PREFIX,
        env,
        prog="python -m sandbox.dollarpe",
        description="Local emulator of the DollarPe sandbox API (KYC, customers, banks).",
    )
    add = options.add
    add("host", str, "127.0.0.1", "interface to bind")
    add("port", port, "8100", "TCP port")
    add("state", str, "var/dollarpe-sandbox.sqlite3", "SQLite state file")
    # No argparse default here: unset options keep RuntimeConfig's defaults (or --config's).
    add("decision-delay", non_negative, None, "seconds before a KYC decision; default 5")
    add("bank-decision-delay", non_negative, None, "seconds before a bank decision; default 3")
    add("timestamp-window", non_negative, None, "accepted X-TIMESTAMP skew, s; default 300")
    add("webhook-retry-delays", parse_delays, None, "retry delays, s; default 1,2,4,8,16")
    add("webhook-timeout", non_negative, None, "webhook request timeout, s; default 5")
    add("public-url", str, None, "base URL the emulator advertises (links, pages)")
    add("config", json_object(RuntimeConfig().patched), None, "JSON object of runtime options")
    add("log-level", log_level, "INFO", "logging level")
    options.add_repeated(
        "org",
        parse_org,
        "KEY:SECRET",
        "an organisation's API key and secret "
        f"(default {DEFAULT_ORG.api_key}:{DEFAULT_ORG.api_secret})",
    )
    return options


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    return _options(env).parser


def parse(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> argparse.Namespace:
    return parse_emulator_args(
        _options(os.environ if env is None else env),
        argv,
        parse_org=parse_org,
        default_org=DEFAULT_ORG,
        emulator_config=emulator_config,
    )


def emulator_config(args: argparse.Namespace) -> EmulatorConfig:
    changes = runtime_changes(args, _RUNTIME_OPTIONS)
    orgs: list[Org] = args.org
    return EmulatorConfig(
        orgs=tuple(orgs),
        public_url=args.public_url.rstrip("/") if args.public_url else None,
        runtime=RuntimeConfig().patched(changes),
    )
