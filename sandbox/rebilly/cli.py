"""Options of `python -m sandbox.rebilly`, each also read from `REBILLY_SANDBOX_<OPTION>`.

A given flag beats its variable. `--org ORG_ID:API_KEY` repeats (its variable is a comma
list); the first organization is the one test helpers use. `--public-url` is the base of
every link handed out (gatherer pages, `_links`, `Location`): set it when the browser or the
app reaches the emulator under another name than `http://HOST:PORT`.
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
from sandbox.common.options import ConfigError, parse_delays
from sandbox.rebilly.config import DEFAULT_ORG, EmulatorConfig, RuntimeConfig, parse_org

ENV_PREFIX = "REBILLY_SANDBOX_"
# Flags that are runtime options too (so `/_sandbox/reset` restores them).
_RUNTIME_FLAGS = ("decision_delay", "webhook_retry_delays", "webhook_timeout")


def _options(env: Mapping[str, str]) -> EnvOptions:
    options = EnvOptions(
        ENV_PREFIX,
        env,
        prog="python -m sandbox.rebilly",
        description="Local emulator of Rebilly's KYC sandbox API (customers, KYC requests, "
        "documents, files, webhooks, the hosted gatherer page).",
    )
    add = options.add
    add("host", str, "127.0.0.1", "interface to bind")
    add("port", port, "8200", "TCP port")
    add("state", str, "var/rebilly-sandbox.sqlite3", "SQLite state file (kept between runs)")
    add("public-url", str, None, "base URL of the links handed out; default http://HOST:PORT")
    # No argparse default: unset options keep RuntimeConfig's defaults (or --config's).
    add("decision-delay", non_negative, None, "seconds before an upload is decided; default 1")
    add("webhook-retry-delays", parse_delays, None, "webhook retry delays, s; default 5,30,120")
    add("webhook-timeout", non_negative, None, "webhook request timeout, s; default 5")
    add("config", json_object(RuntimeConfig().patched), None, "JSON object of runtime options")
    add("log-level", log_level, "INFO", "logging level")
    options.add_repeated(
        "org",
        parse_org,
        "ORG_ID:API_KEY",
        "an organization and its secret sandbox key "
        f"(default {DEFAULT_ORG.organization_id}:{DEFAULT_ORG.api_key})",
    )
    return options


def parse(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> argparse.Namespace:
    return parse_emulator_args(
        _options(os.environ if env is None else env),
        argv,
        parse_org=parse_org,
        default_org=DEFAULT_ORG,
        emulator_config=_emulator_config,
    )


def _emulator_config(args: argparse.Namespace) -> EmulatorConfig:
    changes = runtime_changes(args, _RUNTIME_FLAGS)
    if len({org.organization_id for org in args.org}) != len(args.org):
        raise ConfigError({"org": "an organization is given twice"})
    public_url = args.public_url or f"http://{args.host}:{args.port}"
    return EmulatorConfig(
        orgs=tuple(args.org),
        public_url=public_url.rstrip("/"),
        runtime=RuntimeConfig().patched(changes),
    )
