"""The small exception set every provider client raises (provider-neutral).

Callers decide on the category alone: retry a TransientProviderError (and a
RateLimitedError after its delay), fix credentials on an AuthenticationError, and
show or record a PermanentProviderError, whose subclasses say what went wrong.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class: the provider call did not succeed."""

    code = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.field_errors = field_errors or {}


class TransientProviderError(ProviderError):
    """5xx, timeout, connection failure, unreadable answer: worth retrying."""

    code = "transient"


class RateLimitedError(TransientProviderError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class AuthenticationError(ProviderError):
    """Our key, timestamp or signature was refused: retrying will not help."""

    code = "authentication"


class PermanentProviderError(ProviderError):
    """The provider refused the request itself (validation or a business rule)."""

    code = "rejected"
    field: str | None = None  # the provider's field the refusal is about, when known


class NotFoundError(PermanentProviderError):
    """The provider has no such resource (a 404)."""

    code = "not_found"


class DuplicateReferenceError(PermanentProviderError):
    """Our own reference is already taken: an earlier attempt created the record."""

    code = "duplicate_reference"


class AlreadySubmittedError(PermanentProviderError):
    """The KYC data was already accepted: an earlier attempt got through."""

    code = "already_submitted"


class InvalidResponseError(TransientProviderError):
    """A success answer whose body does not have the documented shape."""

    code = "invalid_response"


class InvalidWebhookError(Exception):
    """A webhook request we cannot trust (401) or cannot read (400): refused, kept as invalid."""

    http_status = 401
