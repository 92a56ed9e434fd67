"""Field validation with Rebilly's 422 shape: every problem at once, as dot paths.

Rebilly runs on PHP/Symfony (its sample 422 says "This value should not be blank."), so the
messages are Symfony's validator messages. A path names nested fields with dots and array
items by index, e.g. `primaryAddress.emails.0.value` [INF: the spec shows only `a.b`].
Read-only fields a client sends are ignored, not refused, as they are in most of Rebilly's
API; unknown fields are ignored too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from sandbox.rebilly.problems import invalid
from sandbox.rebilly.runtime import parse_time

BLANK = "This value should not be blank."
NOT_VALID = "This value is not valid."
CHOICE = "The value you selected is not a valid choice."
EMAIL_TEXT = "This value is not a valid email address."
URL_TEXT = "This value is not a valid URL."
DATE_TEXT = "This value is not a valid date."
DATETIME_TEXT = "This value is not a valid datetime."

RESOURCE_ID = re.compile(r"^[@~\-.\w]+$", re.ASCII)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MISSING = object()


def too_long(limit: int) -> str:
    return f"This value is too long. It should have {limit} characters or less."


def of_type(kind: str) -> str:
    return f"This value should be of type {kind}."


def is_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


class Fields:
    """Collects the problems of one request body; `done()` raises them as one 422."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def done(self) -> None:
        if self.errors:
            raise invalid(self.errors)

    # Each getter returns the value (or the default), having recorded any problem.

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        nullable: bool = True,
        max_length: int | None = None,
        pattern: re.Pattern[str] | None = None,
    ) -> str | None:
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required or (value is None and not nullable):
                self.add(path, BLANK)
            return None
        if not isinstance(value, str):
            self.add(path, of_type("string"))
            return None
        if required and not value.strip():
            self.add(path, BLANK)
        elif max_length is not None and len(value) > max_length:
            self.add(path, too_long(max_length))
        elif pattern is not None and value and not pattern.search(value):
            self.add(path, NOT_VALID)
        return value

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        choices: Collection[Any],
        *,
        required: bool = False,
        default: Any = None,
    ) -> Any:
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and None not in choices):
            if required:
                self.add(path, BLANK)
            return default
        if isinstance(value, bool) or value not in choices:
            self.add(path, CHOICE)
            return default
        return value

    def integer(
        self, data: Mapping[str, Any], key: str, path: str, *, low: int, high: int, default: int
    ) -> int:
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, of_type("int"))
            return default
        if not low <= value <= high:
            self.add(path, f"This value should be between {low} and {high}.")
            return default
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.add(path, of_type("bool"))
            return default
        return value

    def obj(
        self, data: Mapping[str, Any], key: str, path: str, *, nullable: bool = True
    ) -> dict[str, Any] | None:
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and nullable):
            return None
        if not isinstance(value, dict):
            self.add(path, of_type("object"))
            return None
        return value

    def array(
        self, data: Mapping[str, Any], key: str, path: str, *, nullable: bool = True
    ) -> list[Any] | None:
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and nullable):
            return None
        if not isinstance(value, list):
            self.add(path, of_type("array"))
            return None
        return value

    def email(self, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
        value = self.string(data, key, path, required=required, max_length=255)
        if value and not is_email(value):
            self.add(path, EMAIL_TEXT)
        return value

    def url(self, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
        value = self.string(data, key, path, required=required)
        if value and not is_url(value):
            self.add(path, URL_TEXT)
        return value

    def date(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = self.string(data, key, path)
        if value:
            try:
                dt.date.fromisoformat(value)
                ok = len(value) == 10
            except ValueError:
                ok = False
            if not ok:
                self.add(path, DATE_TEXT)
        return value

    def datetime(self, data: Mapping[str, Any], key: str, path: str) -> float | None:
        value = self.string(data, key, path, nullable=False)
        if value is None:
            return None
        moment = parse_time(value)
        if moment is None:
            self.add(path, DATETIME_TEXT)
        return moment
