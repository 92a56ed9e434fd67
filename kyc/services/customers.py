"""The applicant's profile and its customer record at the provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kyc import jobs
from kyc.models import CustomerState, Verification
from kyc.providers.errors import (
    DuplicateReferenceError,
    PermanentProviderError,
    TransientProviderError,
)
from kyc.providers.interface import FormSpec
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record

PROFILE_FIELDS = ("full_name", "email", "phone", "nationality", "non_resident", "residence_country")


@dataclass(frozen=True)
class CreateOutcome:
    created: bool
    errors: dict[str, list[str]] | None = None  # the provider refused these fields


def verification_save_profile(*, user: Any, profile: dict[str, Any]) -> Verification:
    """Keep what the user typed before anything is sent, so an outage loses nothing."""
    values = {name: profile[name] for name in PROFILE_FIELDS}
    with transaction.atomic():
        verification = Verification.objects.select_for_update().filter(user=user).first()
        if verification is None:
            verification = Verification.objects.create(user=user, **values)
            audit_record(
                verification=verification, action="profile_saved", source="user", actor=user
            )
            return verification
        if verification.customer_state == CustomerState.CREATED:
            raise ValueError("the profile was already accepted by the provider")
        Verification.objects.filter(pk=verification.pk).update(
            customer_state=CustomerState.PENDING, customer_errors={}, **values
        )
        audit_record(verification=verification, action="profile_updated", source="user", actor=user)
    verification.refresh_from_db()
    return verification


def verification_create_customer(*, verification_id: int, attempt: int = 1) -> CreateOutcome:
    """Create the customer at the provider; safe to run twice (the reference is unique)."""
    verification = Verification.objects.get(pk=verification_id)
    if verification.customer_state == CustomerState.CREATED:
        return CreateOutcome(created=True)
    provider = get_provider(verification.provider, verification_id=verification.pk)
    try:
        customer_id = provider.create_customer(verification)
    except DuplicateReferenceError:
        # An earlier attempt created it but its answer was lost: find it by our reference.
        found = provider.find_customer(verification.client_reference_id)
        if found is None:
            raise
        customer_id = found
    except TransientProviderError:
        if attempt == 1:
            _schedule_retry(verification)
        raise
    except PermanentProviderError as exc:
        return _rejected(verification, provider.profile_errors(exc))
    return _created(verification, customer_id)


def _schedule_retry(verification: Verification) -> None:
    audit_record(
        verification=verification,
        action="customer_create_deferred",
        source="system",
        note="the provider did not answer; retrying in the background",
    )
    jobs.publish(jobs.CREATE_CUSTOMER, {"verification_id": verification.pk}, countdown=5)


def _created(verification: Verification, customer_id: str) -> CreateOutcome:
    with transaction.atomic():
        changed = Verification.objects.filter(
            pk=verification.pk, customer_state__in=[CustomerState.PENDING, CustomerState.REJECTED]
        ).update(
            customer_state=CustomerState.CREATED,
            provider_customer_id=customer_id,
            customer_errors={},
        )
        if changed:
            audit_record(
                verification=verification,
                action="customer_created",
                source="provider",
                note=f"provider customer {customer_id}",
            )
    return CreateOutcome(created=True)


def _rejected(verification: Verification, errors: dict[str, list[str]]) -> CreateOutcome:
    with transaction.atomic():
        Verification.objects.filter(
            pk=verification.pk, customer_state=CustomerState.PENDING
        ).update(customer_state=CustomerState.REJECTED, customer_errors=errors)
        audit_record(
            verification=verification,
            action="customer_rejected",
            source="provider",
            note="; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
        )
    return CreateOutcome(created=False, errors=errors)


def verification_form_spec(*, verification: Verification) -> FormSpec:
    """The provider's KYC form for this customer, cached and refreshed when stale.

    A malformed configuration raises InvalidResponseError; when the provider is down
    a stale copy is better than no form.
    """
    provider = get_provider(verification.provider, verification_id=verification.pk)
    ttl = timedelta(seconds=settings.KYC_CONFIG_TTL)
    fetched = verification.kyc_config_fetched_at
    if verification.kyc_config is not None and fetched and timezone.now() - fetched < ttl:
        return provider.parse_form_spec(verification.kyc_config)
    try:
        raw = provider.fetch_form_spec(verification)
    except TransientProviderError:
        if verification.kyc_config is None:
            raise
        return provider.parse_form_spec(verification.kyc_config)
    spec = provider.parse_form_spec(raw)
    Verification.objects.filter(pk=verification.pk).update(
        kyc_config=raw, kyc_config_fetched_at=timezone.now()
    )
    verification.kyc_config, verification.kyc_config_fetched_at = raw, timezone.now()
    return spec
