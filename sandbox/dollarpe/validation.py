"""Django-REST-Framework-like field validation with DRF's exact English messages.

DollarPe runs on DRF (its error texts and pagination say so), so a client is best tested
against the same messages: missing, null, blank, too long, bad email/URL/UUID/date/bool.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from sandbox.dollarpe.envelopes import ApiError

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
NOT_STRING = "Not a valid string."
EMAIL = "Enter a valid email address."
URL = "Enter a valid URL."
UUID = "Must be a valid UUID."
BOOLEAN = "Must be a valid boolean."
DATE = "Date has wrong format. Use one of these formats instead: DD-MM-YYYY."

_MISSING = object()
_USER = re.compile(r"^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*\Z", re.I)
_DOMAIN = re.compile(
    r"^((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z", re.I
)
_DATE = re.compile(r"^\d{2}-\d{2}-\d{4}\Z")
# True == 1 and False == 0, so the integers 1 and 0 match too.
_TRUE = {True, "true", "True", "TRUE", "1", "yes", "on"}
_FALSE = {False, "false", "False", "FALSE", "0", "no", "off"}


def max_length_message(limit: int) -> str:
    return f"Ensure this field has no more than {limit} characters."


def is_email(value: str) -> bool:
    user, sep, domain = value.rpartition("@")
    return bool(sep and _USER.match(user) and (domain == "localhost" or _DOMAIN.match(domain)))


def is_url(value: str) -> bool:
    """Django's URLValidator in spirit: http(s)/ftp(s), a real host, no whitespace."""
    if not value or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https", "ftp", "ftps") or not host:
        return False
    return host == "localhost" or _is_ip(host) or bool(_DOMAIN.match(host))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class Validator:
    """Collects errors per field the way a DRF serializer does, then raises them at once."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body
        self.errors: dict[str, Any] = {}

    def add(self, name: str, message: Any) -> None:
        if isinstance(message, dict):
            self.errors[name] = message
        else:
            self.errors.setdefault(name, []).append(message)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ApiError(self.errors)

    def _present(self, name: str, required: bool) -> Any:
        """The raw value, or _MISSING after recording the required/null error if any."""
        value = self.body.get(name, _MISSING)
        if value is _MISSING:
            if required:
                self.add(name, REQUIRED)
            return _MISSING
        if value is None:
            if required:
                self.add(name, NULL)
            return _MISSING
        return value

    def string(
        self, name: str, *, required: bool = True, max_length: int = 255, blank: bool = False
    ) -> str | None:
        value = self._present(name, required)
        if value is _MISSING:
            return None
        # DRF's CharField also accepts numbers and turns them into text.
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(name, NOT_STRING)
            return None
        text = str(value).strip()
        if not text and not blank:
            self.add(name, BLANK)
            return None
        if len(text) > max_length:
            self.add(name, max_length_message(max_length))
            return None
        return text

    def email(self, name: str) -> str | None:
        text = self.string(name)
        if text is not None and not is_email(text):
            self.add(name, EMAIL)
            return None
        return text

    def url(self, name: str, *, required: bool = True) -> str | None:
        text = self.string(name, required=required, max_length=2048)
        if text is not None and not is_url(text):
            self.add(name, URL)
            return None
        return text

    def uuid(self, name: str) -> str | None:
        value = self._present(name, True)
        if value is _MISSING:
            return None
        try:
            return str(uuid.UUID(value)) if isinstance(value, str) else _fail()
        except ValueError:
            self.add(name, UUID)
            return None

    def date(self, name: str) -> str | None:
        text = self.string(name)
        if text is None:
            return None
        try:
            if not _DATE.match(text):
                raise ValueError(text)
            dt.datetime.strptime(text, "%d-%m-%Y")  # noqa: DTZ007 - a calendar date, no tz
        except ValueError:
            self.add(name, DATE)
            return None
        return text

    def boolean(self, name: str, *, required: bool = True) -> bool | None:
        value = self._present(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool | int | str) and value in _TRUE:
            return True
        if isinstance(value, bool | int | str) and value in _FALSE:
            return False
        self.add(name, BOOLEAN)
        return None

    def choice(self, name: str, choices: Iterable[str]) -> str | None:
        text = self.string(name)
        if text is not None and text not in set(choices):
            self.add(name, f'"{text}" is not a valid choice.')
            return None
        return text

    def mapping(self, name: str, *, required: bool = True) -> dict[str, Any] | None:
        value = self._present(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.add(name, f'Expected a dictionary of items but got type "{type(value).__name__}".')
            return None
        return value


def _fail() -> str:
    raise ValueError("not a string")


def parse_uuid(value: str) -> str | None:
    """Canonical form of a path parameter, or None when it is no UUID."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
