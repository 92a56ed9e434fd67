"""The blind index: identity numbers as keyed hashes, so equal numbers can be found without
any number being stored in clear (kyc/services/duplicates.py writes and reads it).

A digest is HMAC-SHA256 over the kind and the normalised value, with a key of its own
(KYC_BLIND_INDEX_KEYS, newest first): the newest key indexes, every configured key is
looked up, so matching keeps working while `manage.py kyc_blind_index` re-indexes under
a new key. The kind is hashed in, so an email never matches a document number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    TAX_NUMBER = "tax_number", _("Tax number")
    DOCUMENT_NUMBER = "document_number", _("Document number")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    ACCOUNT_NUMBER = "account_number", _("Bank account number")
    VPA = "vpa", _("UPI ID")


_SEPARATORS = re.compile(r"[\s\-./]+")
_NOT_DIGITS = re.compile(r"\D")


def _identifier(value: str) -> str:
    """PAN, document and account numbers: spaces, dashes, dots and slashes do not count,
    nor does case ("abcpr 1234-k" is ABCPR1234K)."""
    return _SEPARATORS.sub("", value).upper()


def _phone(value: str) -> str:
    """Digits only, "+" kept when given (00 is the same international prefix):
    "+91 98123-45678", "0091 9812345678" and "+91 (98123) 45678" are one number."""
    text = value.strip()
    international = text.startswith("+") or text.startswith("00")
    digits = _NOT_DIGITS.sub("", text)
    if text.startswith("00"):
        digits = digits[2:]
    return f"+{digits}" if international and digits else digits


def _lower(value: str) -> str:
    return re.sub(r"\s+", "", value).lower()


NORMALISE = {
    Kind.TAX_NUMBER: _identifier,
    Kind.DOCUMENT_NUMBER: _identifier,
    Kind.ACCOUNT_NUMBER: _identifier,
    Kind.PHONE: _phone,
    Kind.EMAIL: _lower,
    Kind.VPA: _lower,
}


def normalise(kind: str, value: object) -> str:
    """The value as it is hashed ("" when nothing is left of it)."""
    if value is None:
        return ""
    return NORMALISE[Kind(kind)](str(value))


def keys() -> dict[str, str]:
    """The configured keys, newest first (a dict keeps the order of the setting)."""
    configured: dict[str, str] = settings.KYC_BLIND_INDEX_KEYS
    return configured


def newest_key_id() -> str:
    return next(iter(keys()))


def digest(kind: str, normalised: str, key: str) -> str:
    message = f"{kind}\x00{normalised}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Entry:
    kind: str
    key_id: str
    digest: str


def entries(kind: str, value: object, *, every_key: bool = False) -> Iterator[Entry]:
    """The index entries of one value: under the newest key, or under each configured key
    (`every_key`, what a lookup needs while a rotation is under way)."""
    normalised = normalise(kind, value)
    if not normalised:
        return
    configured = keys().items()
    for key_id, key in configured if every_key else list(configured)[:1]:
        yield Entry(kind=kind, key_id=key_id, digest=digest(kind, normalised, key))


def lookup_digests(values: Iterable[tuple[str, object]]) -> dict[str, str]:
    """{digest: kind} of (kind, value) pairs under every configured key."""
    return {
        entry.digest: entry.kind
        for kind, value in values
        for entry in entries(kind, value, every_key=True)
    }
