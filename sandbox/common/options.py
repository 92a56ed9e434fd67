"""Runtime options: strict value parsers and the copy-with-changes every emulator config uses.

Tests steer an emulator with `PATCH /_sandbox/config`. The parsers accept JSON types only (no
"yes" for true, no "3" for 3), so a typo in a test fails loudly instead of silently keeping a
default, and every bad key is reported at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from sandbox.common.faults import FAULT_MODES

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

OptionsT = TypeVar("OptionsT", bound="DataclassInstance")
Parser = Callable[[Any], Any]


class ConfigError(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def options_json(options: DataclassInstance) -> dict[str, Any]:
    """The options as JSON: tuples become lists."""
    data = dataclasses.asdict(options)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def patched(
    options: OptionsT, changes: Mapping[str, Any], parsers: Mapping[str, Parser]
) -> OptionsT:
    """A copy with `changes` applied; raises ConfigError naming every bad key."""
    problems: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for key, value in changes.items():
        parser = parsers.get(key)
        if parser is None:
            problems[key] = "unknown option"
            continue
        try:
            parsed[key] = parser(value)
        except (TypeError, ValueError) as exc:
            problems[key] = str(exc)
    if problems:
        raise ConfigError(problems)
    return dataclasses.replace(options, **parsed)


def check_parsers(options_type: type[DataclassInstance], parsers: Mapping[str, Parser]) -> None:
    """Fail at import when an option has no parser (or a parser no option)."""
    names = {f.name for f in dataclasses.fields(options_type)}
    if set(parsers) != names:
        raise AssertionError(f"options and parsers differ: {sorted(names ^ set(parsers))}")


def number(minimum: float = 0.0, maximum: float | None = None) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        if value < minimum or (maximum is not None and value > maximum):
            raise ValueError(f"must be between {minimum} and {maximum}")
        return float(value)

    return parse


def integer(minimum: int = 0) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer")
        if value < minimum:
            raise ValueError(f"must be >= {minimum}")
        return value

    return parse


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be a boolean")
    return value


def choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return str(value)

    return parse


def text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty string")
    return value


def optional(parser: Parser) -> Parser:
    return lambda value: None if value is None else parser(value)


def parse_delays(value: Any) -> tuple[float, ...]:
    """A list of seconds, or the CLI's comma-separated form."""
    if isinstance(value, str):
        items: list[Any] = [float(part) for part in value.split(",") if part.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError("must be a list of seconds")
    return tuple(number()(item) for item in items)


def subset(choices: tuple[str, ...]) -> Callable[[Any], tuple[str, ...]]:
    def parse(value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple) or any(item not in choices for item in value):
            raise ValueError(f"must be a list drawn from {', '.join(choices)}")
        return tuple(str(item) for item in value)

    return parse


def strings(value: Any) -> tuple[str, ...]:
    """A list of non-empty strings (or the CLI's comma-separated form)."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple):
        raise ValueError("must be a list of strings")
    return tuple(text(item) for item in value)


def mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("must be an object")
    return value


FAULT_PARSERS: dict[str, Parser] = {
    "fault_rate": number(0.0, 1.0),
    "fault_modes": subset(FAULT_MODES),
    "fault_seed": optional(integer(minimum=-(2**63))),
    "fault_timeout_seconds": number(),
    "latency_seconds": number(0.0, 60.0),
    "latency_paths": strings,
}


@dataclasses.dataclass(frozen=True)
class FaultOptions:
    """The fault-injection options (faults.py) and the copy-with-changes of a runtime config.

    An emulator's RuntimeConfig subclasses it, adds its own options and names every
    option's parser in `PARSERS` (FAULT_PARSERS included; `check_parsers` verifies it).
    """

    PARSERS: ClassVar[Mapping[str, Parser]] = FAULT_PARSERS

    fault_rate: float = 0.0
    fault_modes: tuple[str, ...] = FAULT_MODES
    fault_seed: int | None = None
    fault_timeout_seconds: float = 30.0
    # A provider slower than this machine's emulator (the pipeline bench): every API request
    # whose path ends with one of latency_paths (any API path when empty) is answered this
    # much later.
    latency_seconds: float = 0.0
    latency_paths: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return options_json(self)

    def patched(self, changes: Mapping[str, Any]) -> Self:
        """A copy with `changes` applied; raises ConfigError naming every bad key."""
        return patched(self, changes, self.PARSERS)
