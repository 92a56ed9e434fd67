"""DollarPe's documented 400 texts as typed errors (API.md §3.3, §4-§8).

The docs do not say under which `errors` key a text appears, nor whether it ends
with a period, so matching looks at the message and every error text, ignoring
case and a trailing period.
"""

from __future__ import annotations

from typing import Any

import requests

from kyc.providers.errors import (
    AlreadySubmittedError,
    AuthenticationError,
    DuplicateReferenceError,
    PermanentProviderError,
    ProviderError,
    RateLimitedError,
    TransientProviderError,
)


class DollarPeRejected(PermanentProviderError):
    """A 400 whose text is not one of the documented business errors (e.g. field validation)."""

    code = "validation"


class EmailInUse(DollarPeRejected):
    code, field = "email_in_use", "email"


class PhoneInUse(DollarPeRejected):
    code, field = "phone_in_use", "phone"


class InvalidCountryCode(DollarPeRejected):
    code, field = "invalid_country_code", "alpha_3_country_code"


class ClientReferenceExists(DollarPeRejected, DuplicateReferenceError):
    code, field = "client_reference_exists", "client_reference_id"


class CustomerNotFound(DollarPeRejected):
    code, field = "customer_not_found", "customer_id"


class KycAlreadyExists(DollarPeRejected, AlreadySubmittedError):
    code = "kyc_already_exists"


class KycAlreadyInUse(DollarPeRejected):
    code = "kyc_already_in_use"


class UpdateLimitExceeded(DollarPeRejected):
    code = "update_limit_exceeded"


class CustomerUnverified(DollarPeRejected):
    code = "customer_unverified"


class VpaInUse(DollarPeRejected, DuplicateReferenceError):
    code, field = "vpa_in_use", "vpa"


class UpiLimitReached(DollarPeRejected):
    code, field = "upi_limit_reached", "vpa"


class AccountNumberInUse(DollarPeRejected, DuplicateReferenceError):
    code, field = "account_number_in_use", "account_number"


class BankAccountLimitReached(DollarPeRejected):
    code, field = "bank_account_limit_reached", "account_number"


class BankNotFound(DollarPeRejected):
    code, field = "bank_not_found", "bank_id"


class WebhookUrlRequired(DollarPeRejected):
    code, field = "webhook_url_required", "webhook_url"


class InvalidStatusTransition(DollarPeRejected):
    code, field = "invalid_status_transition", "kyc_status"


class SignatureRejected(AuthenticationError):
    code = "invalid_signature"


KNOWN_TEXTS: dict[str, type[ProviderError]] = {
    "email already in use": EmailInUse,
    "phone already in use": PhoneInUse,
    "invalid country code": InvalidCountryCode,
    "client reference id already exists": ClientReferenceExists,
    "customer not found or access denied": CustomerNotFound,
    "kyc already exists": KycAlreadyExists,
    "kyc already in use": KycAlreadyInUse,
    "kyc update limit exceeded": UpdateLimitExceeded,
    "limit exceeded": UpdateLimitExceeded,
    "customer is unverified": CustomerUnverified,
    "vpa already in use": VpaInUse,
    "maximum 3 upi ids allowed": UpiLimitReached,
    "account number already in use": AccountNumberInUse,
    "maximum 3 bank account details allowed": BankAccountLimitReached,
    "bank not found or access denied": BankNotFound,
    "webhook url is required": WebhookUrlRequired,
    "invalid status transition": InvalidStatusTransition,
    "invalid signature": SignatureRejected,
}


def _normalise(text: str) -> str:
    return text.strip().rstrip(".").strip().lower()


def field_errors(document: Any) -> dict[str, list[str]]:
    """The `errors` object as {field: [texts]}, whatever shape it came in."""
    errors = document.get("errors") if isinstance(document, dict) else None
    if isinstance(errors, dict):
        return {
            str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
            for k, vs in errors.items()
        }
    if isinstance(errors, str | list):
        return {
            "non_field_errors": [str(e) for e in (errors if isinstance(errors, list) else [errors])]
        }
    return {}


def _texts(document: Any, fields: dict[str, list[str]]) -> list[str]:
    message = document.get("message") if isinstance(document, dict) else None
    texts = [text for values in fields.values() for text in values]
    return [*texts, message] if isinstance(message, str) else texts


def _summary(fields: dict[str, list[str]], fallback: str) -> str:
    parts = [f"{name}: {' '.join(texts)}" for name, texts in fields.items()]
    return "; ".join(parts) or fallback


def error_from_response(response: requests.Response) -> ProviderError:
    status = response.status_code
    try:
        document = response.json()
    except ValueError:
        document = None
    fields = field_errors(document)
    message = _summary(fields, f"HTTP {status}")
    if status == 429:
        return RateLimitedError(message, retry_after=_retry_after(response), status_code=status)
    if status >= 500:
        return TransientProviderError(message, status_code=status, field_errors=fields)
    if status in (401, 403):
        return AuthenticationError(message, status_code=status, field_errors=fields)
    return error_from_document(document, status)


def error_from_document(document: Any, status: int) -> ProviderError:
    """A 4xx (or a 200 whose envelope says status false) as the most specific error."""
    fields = field_errors(document)
    message = _summary(fields, f"HTTP {status}")
    for text in _texts(document, fields):
        error_class = KNOWN_TEXTS.get(_normalise(text))
        if error_class is not None:
            return error_class(message, status_code=status, field_errors=fields)
    return DollarPeRejected(message, status_code=status, field_errors=fields)


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
