"""Which providers exist, which are enabled, and the one that serves a verification.

The only place outside kyc/providers/<name>/ that names providers: BUILT_IN maps each
name to its adapter class, KYC_PROVIDER_BACKENDS adds or replaces adapters (a deployer's
own, by dotted path), and KYC_PROVIDERS says which of them take new applicants and
webhooks. A verification keeps its provider even when that provider is later disabled.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from kyc.providers.base import CallObserver, CallRecord
from kyc.providers.interface import Capabilities, Provider

BUILT_IN = {
    "dollarpe": "kyc.providers.dollarpe.adapter.DollarPeProvider",
    "rebilly": "kyc.providers.rebilly.adapter.RebillyProvider",
    "qolo": "kyc.providers.qolo.adapter.QoloProvider",
}


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


def backends() -> dict[str, str]:
    return {**BUILT_IN, **settings.KYC_PROVIDER_BACKENDS}


def known() -> tuple[str, ...]:
    return tuple(backends())


def enabled() -> tuple[str, ...]:
    """The providers that take new applicants and webhooks, in the order configured."""
    return tuple(name for name in settings.KYC_PROVIDERS if name in backends())


def is_enabled(name: str) -> bool:
    return name in settings.KYC_PROVIDERS and name in backends()


@lru_cache(maxsize=32)
def _adapter(path: str) -> Any:
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"KYC provider backend {path!r} cannot be imported.") from exc


def preload() -> None:
    """Import the adapters of the enabled providers."""
    for name in enabled():
        _adapter(backends()[name])


def get_provider(name: str, *, verification_id: int | None = None) -> Provider:
    """The adapter for `name`, recording every call it makes against the verification."""
    path = backends().get(name)
    if path is None:
        raise ImproperlyConfigured(f"Unknown KYC provider {name!r}.")
    adapter: Provider = _adapter(path)(observers=[call_recorder(verification_id)])
    return adapter


def capabilities(name: str) -> Capabilities:
    return get_provider(name).capabilities
