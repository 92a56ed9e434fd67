"""Asking the provider for the current status: the fallback for lost or late webhooks."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kyc.models import Verification
from kyc.providers.registry import get_provider
from kyc.services.status import StatusChange, verification_apply_status


def verification_refresh(
    *, verification_id: int, source: str = "system", actor: Any = None
) -> StatusChange:
    """Fetch the customer's status and apply it through the same path as a webhook.

    Raises TransientProviderError when the provider cannot be reached.
    """
    verification = Verification.objects.get(pk=verification_id)
    provider = get_provider(verification.provider, verification_id=verification.pk)
    snapshot = provider.customer_status(verification)
    Verification.objects.filter(pk=verification.pk).update(last_checked_at=timezone.now())
    return verification_apply_status(
        verification_id=verification.pk,
        status=snapshot.status,
        failure_reason=snapshot.failure_reason,
        source=source,
        actor=actor,
        note="status fetched from the provider",
    )
