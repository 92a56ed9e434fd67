"""Command line of `python -m sandbox.dollarpe`.

Every option can also come from `DOLLARPE_SANDBOX_<OPTION>` (upper case, `-` → `_`); the
command line wins. `--org` may be repeated; its variable takes a comma-separated list.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sandbox.dollarpe.config import (
    DEFAULT_ORG,
    ConfigError,
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


def _env_name(option: str) -> str:
    return ENV_PREFIX + option.upper().replace("-", "_")


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Turn ValueError into argparse's error so bad values exit with status 2."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError("must be >= 0")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError("must be a TCP port")
    return value


def _log_level(text: str) -> str:
    level = text.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


def _config_json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    RuntimeConfig().patched(value)  # validate now, fail at start-up
    return value


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.dollarpe",
        description="Local emulator of the DollarPe sandbox API (KYC, customers, banks).",
        allow_abbrev=False,
    )

    def add(option: str, parse: Callable[[str], Any], default: str | None, help_text: str) -> None:
        parser.add_argument(
            f"--{option}",
            type=_checked(parse),
            default=env.get(_env_name(option), default),
            help=f"{help_text} (env {_env_name(option)})",
        )

    add("host", str, "127.0.0.1", "interface to bind")
    add("port", _port, "8100", "TCP port")
    add("state", str, "var/dollarpe-sandbox.sqlite3", "SQLite state file")
    # No argparse default here: unset options keep RuntimeConfig's defaults (or --config's).
    add("decision-delay", _non_negative, None, "seconds before a KYC decision; default 5")
    add("bank-decision-delay", _non_negative, None, "seconds before a bank decision; default 3")
    add("timestamp-window", _non_negative, None, "accepted X-TIMESTAMP skew, s; default 300")
    add("webhook-retry-delays", parse_delays, None, "retry delays, s; default 1,2,4,8,16")
    add("webhook-timeout", _non_negative, None, "webhook request timeout, s; default 5")
    add("public-url", str, None, "base URL the emulator advertises (links, pages)")
    add("config", _config_json, None, "JSON object of further runtime options")
    add("log-level", _log_level, "INFO", "logging level")
    parser.add_argument(
        "--org",
        action="append",
        type=_checked(parse_org),
        metavar="KEY:SECRET",
        help=f"an organisation's API key and secret; repeatable (env {_env_name('org')}, "
        f"comma-separated; default {DEFAULT_ORG.api_key}:{DEFAULT_ORG.api_secret})",
    )
    return parser


def parse(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> argparse.Namespace:
    env = os.environ if env is None else env
    parser = build_parser(env)
    args = parser.parse_args(argv)
    if args.org is None:
        raw = env.get(_env_name("org"), "")
        try:
            args.org = [parse_org(item.strip()) for item in raw.split(",") if item.strip()]
        except ValueError as exc:
            parser.error(f"{_env_name('org')}: {exc}")
    args.org = args.org or [DEFAULT_ORG]
    try:
        args.emulator_config = emulator_config(args)
    except ConfigError as exc:
        parser.error(str(exc))
    return args


def emulator_config(args: argparse.Namespace) -> EmulatorConfig:
    changes: dict[str, Any] = dict(args.config or {})
    for name in _RUNTIME_OPTIONS:
        value = getattr(args, name)
        if value is not None:
            changes[name] = list(value) if isinstance(value, tuple) else value
    orgs: list[Org] = args.org
    return EmulatorConfig(
        orgs=tuple(orgs),
        public_url=args.public_url.rstrip("/") if args.public_url else None,
        runtime=RuntimeConfig().patched(changes),
    )
