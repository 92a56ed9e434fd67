"""Hosted collection (Capabilities.collection == "hosted"): the hand-off to the provider's
pages and the way back.

The hand-off is a POST (a link scanner or a prefetch never starts anything), answered
with the provider's link: the open case's when there is one, else a new case's. The
link is signed and short-lived, so it is asked for at each hand-off and never kept. The
way back proves nothing by itself: the case is fetched and applied like any report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kyc.models import Status, Verification
from kyc.providers.interface import HostedProvider, Outcome
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record
from kyc.services.corrections import may_hand_off
from kyc.services.status import StatusChange, verification_apply_outcome

# A status fetched this recently is not fetched again when the applicant reloads the way back.
RETURN_FRESH = timedelta(seconds=10)


class HandOffRefused(Exception):
    """There is nothing to continue with at the provider (decided, being checked...)."""


@dataclass(frozen=True)
class HandOff:
    url: str  # where the applicant goes now: the provider's page, or "" for our status page
    outcome: Outcome
    change: StatusChange


def verification_hand_off(*, verification_id: int, return_url: str, actor: Any) -> HandOff:
    """Send the applicant to the provider: its open case, or a new one.

    The row is locked while the provider is asked, and the case is recorded before the
    lock is released, so two tabs posting at once make one case: the second waits, then
    finds the first one's case and reuses it. (Other news for this one applicant waits
    meanwhile, at most the provider's timeout.) A new case after an earlier one is a
    restart, counted against the provider's limit. Raises HandOffRefused, or the
    provider's errors (a TransientProviderError when it is away: nothing changed).
    """
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        if not may_hand_off(verification):
            raise HandOffRefused(f"nothing to continue with ({verification.status})")
        previous = verification.provider_case_id
        provider = cast(
            HostedProvider, get_provider(verification.provider, verification_id=verification.pk)
        )
        outcome = provider.start_hosted(
            verification, return_url=return_url, start_new=verification.corrections_left != 0
        )
        case = (outcome.provider_case_id or "")[:64]
        fields: dict[str, Any] = {}
        if case and case != previous:
            fields = {"provider_case_id": case, "provider_revision": None}
            fields["submitted_at"] = timezone.now()
            if previous:
                fields["corrections_used"] = F("corrections_used") + 1
            audit_record(
                verification=verification,
                action="hosted_restarted" if previous else "hosted_started",
                source="user",
                actor=actor,
                note=f"provider case {case}",
            )
        elif verification.submitted_at is None:
            fields["submitted_at"] = timezone.now()
        if fields:
            Verification.objects.filter(pk=verification.pk).update(**fields)
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
    checked = verification.last_checked_at
    if checked is not None and timezone.now() - checked < RETURN_FRESH:
        # Reloading the way back asks the provider again only now and then.
        return StatusChange(False, "checked a moment ago")
    provider = cast(
        HostedProvider, get_provider(verification.provider, verification_id=verification.pk)
    )
    outcome = provider.returned(verification, {"info": hint})
    Verification.objects.filter(pk=verification.pk).update(last_checked_at=timezone.now())
    return verification_apply_outcome(
        verification_id=verification_id,
        outcome=outcome,
        source="provider",
        note=f"back from the provider's pages ({hint or 'no hint'})",
    )
