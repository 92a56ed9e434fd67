"""What of a DollarPe request body may be stored or logged.

Document and selfie URLs are presigned (whoever holds one can fetch the file),
and tax, document, account numbers and VPAs are identity data: none of them
leaves this function whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kyc.providers.redaction import mask, strip_query

URL_FIELDS = frozenset({"document_front_image_url", "document_back_image_url", "selfie_url"})
IDENTITY_FIELDS = frozenset(
    {"tax_number", "document_number", "account_number", "vpa", "ssn_number"}
)


def redact(body: Mapping[str, Any] | None) -> Any:
    if body is None:
        return None
    return {key: _redact_value(key, value) for key, value in body.items()}


def _redact_value(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return redact(value)
    if isinstance(value, str) and key in URL_FIELDS:
        return strip_query(value)
    if isinstance(value, str) and key in IDENTITY_FIELDS:
        return mask(value)
    return value
