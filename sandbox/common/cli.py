"""Command-line plumbing for the emulators: every option also comes from the environment.

`EnvOptions("DOLLARPE_SANDBOX_", ...)` makes `--decision-delay` default to
`DOLLARPE_SANDBOX_DECISION_DELAY`; the command line wins. Values from either place go
through the same parser, so a bad variable fails at start-up with argparse's exit status 2.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sandbox.common.options import ConfigError


def checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Turn ValueError into argparse's error so bad values exit with status 2."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError("must be >= 0")
    return value


def port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError("must be a TCP port")
    return value


def log_level(text: str) -> str:
    level = text.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


def json_object(validate: Callable[[dict[str, Any]], object]) -> Callable[[str], dict[str, Any]]:
    """`--config '{...}'`: a JSON object, checked by `validate` so a bad one fails at start-up."""

    def config_json(text: str) -> dict[str, Any]:
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object")
        validate(value)
        return value

    return config_json


class EnvOptions:
    """An argparse parser whose options default to `<prefix><OPTION>` environment variables."""

    def __init__(self, prefix: str, env: Mapping[str, str], **parser_options: Any) -> None:
        self.prefix = prefix
        self.env = env
        self.parser = argparse.ArgumentParser(allow_abbrev=False, **parser_options)

    def env_name(self, option: str) -> str:
        return self.prefix + option.upper().replace("-", "_")

    def add(
        self, option: str, parse: Callable[[str], Any], default: str | None, help_text: str
    ) -> None:
        self.parser.add_argument(
            f"--{option}",
            type=checked(parse),
            default=self.env.get(self.env_name(option), default),
            help=f"{help_text} (env {self.env_name(option)})",
        )

    def add_repeated(
        self, option: str, parse: Callable[[str], Any], metavar: str, help_text: str
    ) -> None:
        """A repeatable option; its variable holds a comma-separated list."""
        self.parser.add_argument(
            f"--{option}",
            action="append",
            type=checked(parse),
            metavar=metavar,
            help=f"{help_text}; repeatable (env {self.env_name(option)}, comma-separated)",
        )

    def repeated(
        self, args: argparse.Namespace, option: str, parse: Callable[[str], Any]
    ) -> list[Any]:
        """The command line's values of a repeatable option, else its variable's."""
        given = getattr(args, option.replace("-", "_"))
        if given is not None:
            return list(given)
        raw = self.env.get(self.env_name(option), "")
        try:
            return [parse(item.strip()) for item in raw.split(",") if item.strip()]
        except ValueError as exc:
            self.parser.error(f"{self.env_name(option)}: {exc}")


def parse_emulator_args(
    options: EnvOptions,
    argv: Sequence[str] | None,
    *,
    parse_org: Callable[[str], Any],
    default_org: Any,
    emulator_config: Callable[[argparse.Namespace], Any],
) -> argparse.Namespace:
    """Parse; `args.org` is the organisations (default one), `args.emulator_config` the rest."""
    return parse_listed_args(
        options, argv, lists={"org": (parse_org, default_org)}, emulator_config=emulator_config
    )


def parse_listed_args(
    options: EnvOptions,
    argv: Sequence[str] | None,
    *,
    lists: Mapping[str, tuple[Callable[[str], Any], Any]],
    emulator_config: Callable[[argparse.Namespace], Any],
) -> argparse.Namespace:
    """Parse; each repeatable option of `lists` ({option: (parse, default)}) becomes a list
    attribute (its default alone when neither flag nor variable gives one), and
    `args.emulator_config` is built from the rest."""
    args = options.parser.parse_args(argv)
    for option, (parse, default) in lists.items():
        values = options.repeated(args, option, parse) or [default]
        setattr(args, option.replace("-", "_"), values)
    try:
        args.emulator_config = emulator_config(args)
    except ConfigError as exc:
        options.parser.error(str(exc))
    return args


def runtime_changes(args: argparse.Namespace, flags: Sequence[str]) -> dict[str, Any]:
    """`--config`'s options, overridden by the flags that are runtime options and were given."""
    changes: dict[str, Any] = dict(args.config or {})
    for name in flags:
        value = getattr(args, name)
        if value is not None:
            changes[name] = list(value) if isinstance(value, tuple) else value
    return changes
