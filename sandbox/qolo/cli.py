"""Options of `python -m sandbox.qolo`, each also read from `QOLO_SANDBOX_<OPTION>`.

A given flag beats its variable. `--login LOGIN_ID:API_KEY` and `--program GUID[:MODE]`
repeat (their variables are comma lists); the first of each is the one test helpers use.
`--public-url` is the base of the document paths handed out: set it when the app reaches
the emulator under another name than `http://HOST:PORT`.
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
    parse_listed_args,
    port,
    runtime_changes,
)
from sandbox.common.options import ConfigError, parse_delays
from sandbox.qolo.config import (
    DEFAULT_LOGIN,
    DEFAULT_PROGRAM,
    EmulatorConfig,
    RuntimeConfig,
    parse_login,
    parse_program,
)

ENV_PREFIX = "QOLO_SANDBOX_"
# Flags that are runtime options too (so `/_sandbox/reset` restores them).
_RUNTIME_FLAGS = ("decision_delay", "token_ttl", "webhook_retry_delays", "webhook_timeout")


def _options(env: Mapping[str, str]) -> EnvOptions:
    options = EnvOptions(
        ENV_PREFIX,
        env,
        prog="python -m sandbox.qolo",
        description="Local emulator of Qolo's dev API for persons and KYC (login token, "
        "persons, perform KYC with documents and challenge questions, webhooks).",
    )
    add = options.add
    add("host", str, "127.0.0.1", "interface to bind")
    add("port", port, "8300", "TCP port")
    add("state", str, "var/qolo-sandbox.sqlite3", "SQLite state file (kept between runs)")
    add("public-url", str, None, "base URL of the document paths; default http://HOST:PORT")
    # No argparse default: unset options keep RuntimeConfig's defaults (or --config's).
    add("decision-delay", non_negative, None, "seconds before a KYC decision; default 0")
    add("token-ttl", non_negative, None, "access token lifetime, s; default 43200 (12 h)")
    add("webhook-retry-delays", parse_delays, None, "retry delays, s; default 5,30,60,300,900,3600")
    add("webhook-timeout", non_negative, None, "webhook (and ping) timeout, s; default 5")
    add("config", json_object(RuntimeConfig().patched), None, "JSON object of runtime options")
    add("log-level", log_level, "INFO", "logging level")
    options.add_repeated(
        "login",
        parse_login,
        "LOGIN_ID:API_KEY",
        f"a login and its API key (default {DEFAULT_LOGIN.login_id}:{DEFAULT_LOGIN.api_key})",
    )
    options.add_repeated(
        "program",
        parse_program,
        "GUID[:MODE]",
        f"a program and its mode, SDD or CDD (default {DEFAULT_PROGRAM.guid}:CDD)",
    )
    return options


def parse(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> argparse.Namespace:
    return parse_listed_args(
        _options(os.environ if env is None else env),
        argv,
        lists={"login": (parse_login, DEFAULT_LOGIN), "program": (parse_program, DEFAULT_PROGRAM)},
        emulator_config=_emulator_config,
    )


def _emulator_config(args: argparse.Namespace) -> EmulatorConfig:
    changes = runtime_changes(args, _RUNTIME_FLAGS)
    if len({login.login_id for login in args.login}) != len(args.login):
        raise ConfigError({"login": "a login is given twice"})
    if len({program.guid for program in args.program}) != len(args.program):
        raise ConfigError({"program": "a program is given twice"})
    public_url = args.public_url or f"http://{args.host}:{args.port}"
    return EmulatorConfig(
        logins=tuple(args.login),
        programs=tuple(args.program),
        public_url=public_url.rstrip("/"),
        runtime=RuntimeConfig().patched(changes),
    )
