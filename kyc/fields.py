"""Identity data encrypted at rest (tax, document, account numbers, VPAs).

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256). FIELD_ENCRYPTION_KEYS lists
keys newest first: the first encrypts, every one decrypts, so a key is rotated by
putting a new one in front and running `manage.py kyc_reencrypt`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS: every key must be 32 url-safe base64-encoded bytes."
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An encrypted value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from None


class EncryptedTextField(models.TextField):
    """A string stored encrypted; it cannot be filtered on (each token is different)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value


if TYPE_CHECKING:
    _AnyField = models.Field[Any, Any]
else:  # Field is generic only in the type stubs
    _AnyField = models.Field


class EncryptedJSONField(_AnyField):
    """A JSON document stored encrypted (in a text column)."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return json.loads(decrypt(value)) if value else None

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) and value else value

    def get_prep_value(self, value: Any) -> Any:
        return None if value is None else encrypt(json.dumps(value, sort_keys=True))
