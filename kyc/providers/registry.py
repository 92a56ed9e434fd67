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


def _row(verification_id: int | None, call: CallRecord) -> Any:
    from kyc.models import ProviderCall

    return ProviderCall(
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


def call_recorder(verification_id: int | None) -> CallObserver:
    """Each call stored as it ends (a ProviderCall row, in its own statement)."""

    def record(call: CallRecord) -> None:
        _row(verification_id, call).save()

    return record


class CallLog:
    """Calls kept until write(): a service stores them in the transaction that records what
    they did (one statement, no commit of their own). Calls written in a transaction that
    then rolled back are written again by the next write() made outside any transaction
    (the service's `finally`); written in one that committed, they are done."""

    def __init__(self, verification_id: int | None) -> None:
        self.verification_id = verification_id
        self._pending: list[CallRecord] = []  # not written yet
        self._unconfirmed: list[CallRecord] = []  # written in a transaction not yet committed

    def __call__(self, call: CallRecord) -> None:
        self._pending.append(call)

    def write(self) -> None:
        from django.db import connection, transaction

        from kyc.models import ProviderCall

        if not connection.in_atomic_block:
            # Every transaction they were written in has ended: what is still unconfirmed
            # was rolled back with it.
            self._pending = self._unconfirmed + self._pending
            self._unconfirmed = []
        calls, self._pending = self._pending, []
        if not calls:
            return
        ProviderCall.objects.bulk_create([_row(self.verification_id, call) for call in calls])
        if connection.in_atomic_block:
            self._unconfirmed += calls
            transaction.on_commit(lambda: self._confirmed(calls))

    def _confirmed(self, calls: list[CallRecord]) -> None:
        done = {id(call) for call in calls}
        self._unconfirmed = [call for call in self._unconfirmed if id(call) not in done]


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


def get_provider(
    name: str, *, verification_id: int | None = None, calls: CallLog | None = None
) -> Provider:
    """The adapter for `name`, recording every call it makes against the verification (as
    each ends, or in `calls` for the caller to write)."""
    path = backends().get(name)
    if path is None:
        raise ImproperlyConfigured(f"Unknown KYC provider {name!r}.")
    recorder = calls if calls is not None else call_recorder(verification_id)
    adapter: Provider = _adapter(path)(observers=[recorder])
    return adapter


def capabilities(name: str) -> Capabilities:
    return get_provider(name).capabilities
