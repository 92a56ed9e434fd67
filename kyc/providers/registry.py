"""Which provider serves a verification, with every call it makes recorded."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from kyc.providers.base import CallObserver, CallRecord
from kyc.providers.dollarpe.adapter import DollarPeProvider
from kyc.providers.interface import Provider


def call_recorder(verification_id: int | None) -> CallObserver:
    def record(call: CallRecord) -> None:
        from kyc.models import ProviderCall

        ProviderCall.objects.create(
            verification_id=verification_id,
            provider=call.provider,
            method=call.method,
            endpoint=call.endpoint,
            status_code=call.status_code,
            duration_ms=call.duration_ms,
            error=call.error or "",
            attempt=call.attempt,
            request_body=call.request_body,
        )

    return record


def is_enabled(name: str) -> bool:
    return name == DollarPeProvider.name


def get_provider(name: str, *, verification_id: int | None = None) -> Provider:
    if name == DollarPeProvider.name:
        return DollarPeProvider(observers=[call_recorder(verification_id)])
    raise ImproperlyConfigured(f"Unknown KYC provider {name!r}.")
