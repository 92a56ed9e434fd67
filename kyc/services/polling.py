"""Asking the provider for the current status: the fallback for lost or late webhooks."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from kyc import jobs
from kyc.models import BankAccount, Status, Verification
from kyc.providers import registry
from kyc.providers.errors import ProviderError
from kyc.providers.interface import BankingProvider
from kyc.providers.registry import get_provider
from kyc.services.banks import bank_apply_status
from kyc.services.status import StatusChange, verification_apply_outcome

logger = logging.getLogger(__name__)


def verification_refresh(
    *, verification_id: int, source: str = "system", actor: Any = None
) -> StatusChange:
    """Fetch the current status and apply it through the same path as a webhook.

    Raises TransientProviderError when the provider cannot be reached.
    """
    verification = Verification.objects.get(pk=verification_id)
    provider = get_provider(verification.provider, verification_id=verification.pk)
    outcome = provider.current(verification)
    Verification.objects.filter(pk=verification.pk).update(last_checked_at=timezone.now())
    return verification_apply_outcome(
        verification_id=verification.pk,
        outcome=outcome,
        source=source,
        actor=actor,
        note="status fetched from the provider",
    )


# --- the beat-driven fallback -------------------------------------------------------------------
# At most this many customers are claimed per round; the rest wait for the next one.
POLL_BATCH = 500


@dataclass(frozen=True)
class PollPlan:
    """The customers claimed in one round, each with the delay its check was queued with."""

    checks: list[tuple[int, float]] = field(default_factory=list)


def processing_poll(*, now: datetime | None = None) -> PollPlan:
    """Claim the customers due for a check and queue the checks, spread over one beat period.

    Due: a PROCESSING verification (or one in a status its provider reports only when
    asked, Capabilities.status_needs_polling), or a PROCESSING bank account, with no
    news for KYC_POLL_AFTER seconds, or a VERIFIED one not asked about for
    KYC_RECHECK_VERIFIED_EVERY seconds (a reset at the provider must come to light),
    whose customer was not checked in the last KYC_POLL_MIN_INTERVAL seconds. The claim is a
    compare-and-set on last_checked_at,
    so two beats (or a beat and a slow worker) never check one customer twice.
    """
    now = now or timezone.now()
    due = _due_customers(now)
    claimed = [pk for pk, seen in due.items() if _claim(pk, seen, now)]
    plan = PollPlan(_spread(claimed))
    for verification_id, countdown in plan.checks:
        jobs.after_commit(
            jobs.POLL_CUSTOMER, {"verification_id": verification_id}, countdown=countdown
        )
    return plan


def _due_customers(now: datetime) -> dict[int, datetime | None]:
    """{verification id: last_checked_at as read} of every customer due for a check."""
    quiet = now - timedelta(seconds=settings.KYC_POLL_AFTER)
    interval = max(settings.KYC_POLL_AFTER, settings.KYC_POLL_MIN_INTERVAL)
    rested = now - timedelta(seconds=interval)
    kyc = (
        Verification.objects.filter(_quiet_enough(now), polled_statuses())
        .filter(_rested_enough(now))
        .order_by(F("last_checked_at").asc(nulls_first=True), "pk")
        .values_list("pk", "last_checked_at")[:POLL_BATCH]
    )
    owner_rested = Q(verification__last_checked_at__isnull=True) | Q(
        verification__last_checked_at__lte=rested
    )
    banks = (
        BankAccount.objects.filter(
            owner_rested,
            status=BankAccount.State.PROCESSING,
            status_changed_at__lte=quiet,
            provider_bank_id__isnull=False,
        )
        .order_by("verification_id")
        .values_list("verification_id", "verification__last_checked_at")
        .distinct()[:POLL_BATCH]
    )
    return dict([*kyc, *banks, *_verified_due(now)])


def _recheck_verified(now: datetime) -> Q:
    """VERIFIED for KYC_RECHECK_VERIFIED_EVERY, and not asked about as such since."""
    since = now - timedelta(seconds=settings.KYC_RECHECK_VERIFIED_EVERY)
    return Q(status=Status.VERIFIED, status_changed_at__lte=since) & (
        Q(verified_checked_at__isnull=True) | Q(verified_checked_at__lte=since)
    )


def _verified_due(now: datetime) -> list[tuple[int, datetime | None]]:
    """Verified customers due to be asked again (a reset at the provider, say), rested
    like any other; served by the partial index kyc_verified_checked."""
    if not settings.KYC_RECHECK_VERIFIED_EVERY:
        return []
    rested = now - timedelta(seconds=settings.KYC_POLL_MIN_INTERVAL)
    return list(
        Verification.objects.filter(_recheck_verified(now), provider_customer_id__isnull=False)
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=rested))
        .values_list("pk", "last_checked_at")[:POLL_BATCH]
    )


def _poll_after(name: str | None) -> int:
    own = registry.capabilities(name).poll_after if name else None
    return settings.KYC_POLL_AFTER if own is None else own


def _per_provider(seconds_for: Any, field: str, now: datetime) -> Q:
    """`field` at least the provider's own number of seconds ago (its Capabilities.poll_after,
    else KYC_POLL_AFTER); providers without their own share the default condition."""
    own = {name: _poll_after(name) for name in registry.known()}
    default = seconds_for(settings.KYC_POLL_AFTER)
    special = {name: seconds for name, seconds in own.items() if seconds != settings.KYC_POLL_AFTER}
    condition = Q(**{f"{field}__lte": now - timedelta(seconds=default)}) & ~Q(
        provider__in=sorted(special)
    )
    for name, seconds in special.items():
        limit = now - timedelta(seconds=seconds_for(seconds))
        condition |= Q(provider=name, **{f"{field}__lte": limit})
    return condition


def _quiet_enough(now: datetime) -> Q:
    """No status change for the provider's poll delay."""
    return _per_provider(lambda seconds: seconds, "status_changed_at", now)


def _rested_enough(now: datetime) -> Q:
    """Not checked within the poll delay (and never more often than KYC_POLL_MIN_INTERVAL)."""
    checked = _per_provider(
        lambda seconds: max(seconds, settings.KYC_POLL_MIN_INTERVAL), "last_checked_at", now
    )
    return Q(last_checked_at__isnull=True) | checked


def polled_statuses() -> Q:
    """PROCESSING everywhere, and per provider the statuses only polling reveals."""
    condition = Q(status=Status.PROCESSING)
    for name in registry.known():
        extra = registry.capabilities(name).status_needs_polling - {Status.PROCESSING}
        if extra:
            condition |= Q(provider=name, status__in=sorted(extra))
    return condition


def _claim(verification_id: int, seen: datetime | None, now: datetime) -> bool:
    rows = Verification.objects.filter(pk=verification_id)
    rows = (
        rows.filter(last_checked_at__isnull=True)
        if seen is None
        else rows.filter(last_checked_at=seen)
    )
    return rows.update(last_checked_at=now) == 1


def _spread(verification_ids: list[int]) -> list[tuple[int, float]]:
    """Even delays over one beat period, so the provider never gets a burst."""
    step = settings.KYC_POLL_EVERY / max(len(verification_ids), 1)
    return [(pk, round(index * step, 3)) for index, pk in enumerate(verification_ids)]


def verification_poll(*, verification_id: int) -> str:
    """One claimed check: the KYC status if undecided (or VERIFIED and due a re-check), then
    PROCESSING bank accounts.

    Never retried by itself: the next round (KYC_POLL_MIN_INTERVAL later at the earliest)
    is the retry, so a customer is never asked about more often than that.
    """
    # The calls happen now, up to one period after the claim: the interval counts from here.
    Verification.objects.filter(pk=verification_id).update(last_checked_at=timezone.now())
    notes = []
    try:
        if _kyc_due(verification_id):
            notes.append(f"kyc: {verification_refresh(verification_id=verification_id).reason}")
        for bank_id in _processing_banks(verification_id):
            applied = bank_account_refresh(bank_id=bank_id)
            notes.append(f"bank {bank_id}: {'applied' if applied else 'unchanged'}")
    except ProviderError as exc:
        logger.warning("poll of verification %s failed: %s", verification_id, exc.code)
        notes.append(f"provider error ({exc.code}); the next round tries again")
    return "; ".join(notes) or "nothing to check"


def _kyc_due(verification_id: int) -> bool:
    """Its KYC status is asked about: not decided yet, or VERIFIED and due a re-check
    (claimed for that now, so a bank account's polls do not ask about it each time)."""
    if Verification.objects.filter(polled_statuses(), pk=verification_id).exists():
        return True
    if not settings.KYC_RECHECK_VERIFIED_EVERY:
        return False
    due = Verification.objects.filter(_recheck_verified(timezone.now()), pk=verification_id)
    return due.update(verified_checked_at=timezone.now()) == 1


def _processing_banks(verification_id: int) -> list[int]:
    return list(
        BankAccount.objects.filter(
            verification_id=verification_id,
            status=BankAccount.State.PROCESSING,
            provider_bank_id__isnull=False,
        ).values_list("pk", flat=True)
    )


def bank_account_refresh(*, bank_id: int, source: str = "system", actor: Any = None) -> bool:
    """Fetch a bank account's status and apply it through the same path as a webhook.

    Raises TransientProviderError when the provider cannot be reached.
    """
    bank = BankAccount.objects.select_related("verification").get(pk=bank_id)
    if not bank.provider_bank_id:
        return False
    provider = get_provider(bank.verification.provider, verification_id=bank.verification_id)
    if not isinstance(provider, BankingProvider):
        return False
    snapshot = provider.bank_status(bank)
    return bank_apply_status(
        bank_id=bank.pk,
        status=snapshot.status,
        failure_reason=snapshot.failure_reason,
        source=source,
        actor=actor,
    )
