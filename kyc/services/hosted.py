"""Hosted collection (Capabilities.collection == "hosted"): the hand-off to the provider's
pages and the way back.

The hand-off is a POST (a link scanner or a prefetch never starts anything), answered
with the provider's link: the open case's when there is one, else a new case's. The
link is signed and short-lived, so it is asked for at each hand-off and never kept. The
way back proves nothing by itself: the case is fetched and applied like any report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kyc.models import Status, Verification
from kyc.providers.interface import HostedProvider, Outcome
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record
from kyc.services.corrections import may_hand_off, may_restart
from kyc.services.status import StatusChange, verification_apply_outcome


class HandOffRefused(Exception):
    """There is nothing to continue with at the provider (decided, being checked...)."""


@dataclass(frozen=True)
class HandOff:
    url: str  # where the applicant goes now: the provider's page, or "" for our status page
    outcome: Outcome
    change: StatusChange


def verification_hand_off(*, verification_id: int, return_url: str, actor: Any) -> HandOff:
    """Send the applicant to the provider: its open case, or a new one.

    The row is locked while the provider is asked, so two tabs posting at once make one
    case: the second waits, then finds the first one's case open and reuses it.
    Raises HandOffRefused, or the provider's errors (a TransientProviderError when it is
    away: nothing changed, the applicant may try again).
    """
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        if not may_hand_off(verification):
            raise HandOffRefused(f"nothing to continue with ({verification.status})")
        restart = may_restart(verification)
        provider = cast(
            HostedProvider, get_provider(verification.provider, verification_id=verification.pk)
        )
        outcome = provider.start_hosted(verification, return_url=return_url)
        new_case = outcome.provider_case_id != verification.provider_case_id
        fields: dict[str, Any] = {}
        if new_case and restart:
            fields["corrections_used"] = F("corrections_used") + 1
        if verification.submitted_at is None or new_case:
            fields["submitted_at"] = timezone.now()
        if fields:
            Verification.objects.filter(pk=verification.pk).update(**fields)
        if new_case:
            audit_record(
                verification=verification,
                action="hosted_restarted" if restart else "hosted_started",
                source="user",
                actor=actor,
                note=f"provider case {outcome.provider_case_id}",
            )
    change = verification_apply_outcome(
        verification_id=verification_id,
        outcome=outcome,
        source="provider",
        note="the applicant continued at the provider",
    )
    url = outcome.action.url if outcome.status == Status.ACTION_REQUIRED and outcome.action else ""
    return HandOff(url=url, outcome=outcome, change=change)


def verification_returned(*, verification_id: int, hint: str) -> StatusChange:
    """Back from the provider's pages: `hint` is what its redirect said (recorded, never
    trusted); the case is fetched and applied. Raises TransientProviderError when the
    provider is away (the caller schedules a refresh)."""
    verification = Verification.objects.get(pk=verification_id)
    provider = cast(
        HostedProvider, get_provider(verification.provider, verification_id=verification.pk)
    )
    outcome = provider.returned(verification, {"info": hint})
    return verification_apply_outcome(
        verification_id=verification_id,
        outcome=outcome,
        source="provider",
        note=f"back from the provider's pages ({hint or 'no hint'})",
    )
