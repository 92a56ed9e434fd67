"""Strict parsing of settings from environment variables.

Every parser raises ImproperlyConfigured naming the variable, so a typo in a
deployment stops start-up with a message instead of silently becoming a default.
Values are never echoed back: a mistyped secret must not land in a log.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import pycountry
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Schemes whose URL names no host: sqlite:///path, kombu's filesystem://, file:///path
_HOSTLESS_SCHEMES = {"sqlite", "filesystem", "file"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def _bad(name: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name}: expected {expected}.")


def env_str(name: str, default: str | None = None) -> str:
    value = _raw(name)
    if value is not None:
        return value
    if default is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required.")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _bad(name, "a boolean (true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, "a whole number") from None
    if minimum is not None and number < minimum:
        raise _bad(name, f"a whole number of at least {minimum}")
    return number


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise _bad(name, "a number") from None
    if number < minimum or number != number:  # NaN never compares equal to itself
        raise _bad(name, f"a number of at least {minimum}")
    return number


def env_share(name: str, default: float) -> float:
    """A share between 0 and 1 (e.g. 0.03 for 3%)."""
    number = env_float(name, default)
    if number > 1:
        raise _bad(name, "a number between 0 and 1")
    return number


def env_list(name: str, default: Iterable[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise _bad(name, "a comma-separated list without empty items")
    return items


def env_keys(name: str, default: str) -> dict[str, str]:
    """Named keys, newest first: "id:key,id:key" as {id: key}, in that order."""
    value = _raw(name) or default
    keys: dict[str, str] = {}
    for item in value.split(","):
        key_id, _, key = item.strip().partition(":")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key_id) or not key or key_id in keys:
            raise _bad(name, "comma-separated id:key pairs with distinct ids of 1-16 letters")
        keys[key_id] = key
    return keys


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    allowed = list(choices)
    value = _raw(name) or default
    if value not in allowed:
        raise _bad(name, "one of " + ", ".join(allowed))
    return value


def env_url(name: str, default: str, *, schemes: Iterable[str] = ("http", "https")) -> str:
    value = _raw(name) or default
    allowed = tuple(schemes)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise _bad(name, "a valid URL") from None
    needs_host = parts.scheme not in _HOSTLESS_SCHEMES
    if parts.scheme not in allowed or (needs_host and not parts.hostname):
        raise _bad(name, "a URL starting with " + " or ".join(f"{s}://" for s in allowed))
    return value.rstrip("/") if needs_host else value


def env_json(name: str, default: Any, *, kind: type = object) -> Any:
    """A JSON value (a list or an object, as `kind` says); its meaning is checked elsewhere."""
    value = _raw(name)
    if value is None:
        return default
    try:
        parsed = json.loads(value)
    except ValueError:
        raise _bad(name, "valid JSON") from None
    if not isinstance(parsed, kind):
        raise _bad(name, f"a JSON {'list' if kind is list else 'object'}")
    return parsed


_RATE = re.compile(r"^[1-9][0-9]*/[1-9]?[0-9]*[smhd]$")


def env_rate(name: str, default: str) -> str:
    """A rate as django-ratelimit reads it: a count per period, e.g. "5/15m" or "10/h"."""
    value = _raw(name) or default
    if not _RATE.match(value):
        raise _bad(
            name, 'a rate such as "5/15m" or "10/h" (a count, "/", a period in s, m, h or d)'
        )
    return value


def env_countries(name: str, default: Iterable[str]) -> list[str]:
    """A comma-separated list of ISO 3166-1 alpha-3 codes (e.g. IND,ARE), upper-cased."""
    codes = [code.upper() for code in env_list(name, default)]
    if any(len(code) != 3 or pycountry.countries.get(alpha_3=code) is None for code in codes):
        raise _bad(name, "a comma-separated list of ISO 3166-1 alpha-3 country codes")
    return list(dict.fromkeys(codes))


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def is_local_url(url: str) -> bool:
    """The URL points at this machine (an embedded default: an emulator, say)."""
    return (urlsplit(url).hostname or "") in LOCAL_HOSTS
