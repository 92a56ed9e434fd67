"""The applicant's profile and its customer record at the provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kyc import jobs
from kyc.models import CustomerState, Submission, Verification
from kyc.providers.errors import (
    DuplicateReferenceError,
    PermanentProviderError,
    TransientProviderError,
)
from kyc.providers.interface import FormSpec
from kyc.providers.registry import capabilities, get_provider, is_enabled
from kyc.services.audit import audit_record
from kyc.services.duplicates import duplicates_index
from kyc.services.routing import DEFAULT_RULE, route

PROFILE_FIELDS = ("full_name", "email", "phone", "nationality", "non_resident", "residence_country")
# Asked only when a provider needs them (Capabilities.profile_needs): blank otherwise.
OPTIONAL_FIELDS = ("given_name", "family_name", "date_of_birth")


class ProfileFrozen(Exception):
    """The provider has (or is being sent) the applicant: the profile can no longer change."""


@dataclass(frozen=True)
class CreateOutcome:
    created: bool
    errors: dict[str, list[str]] | None = None  # the provider refused these fields


def _values(profile: dict[str, Any]) -> dict[str, Any]:
    values = {name: profile[name] for name in PROFILE_FIELDS}
    values |= {name: profile.get(name) or "" for name in ("given_name", "family_name")}
    values["date_of_birth"] = profile.get("date_of_birth") or None
    return values


def _routed(verification: Verification, values: dict[str, Any]) -> dict[str, Any]:
    """The routing fields for this profile: the provider, its program, the rule, its limit."""
    chosen = route(
        reference=verification.client_reference_id,
        nationality=values["nationality"],
        residence=values["residence_country"] or values["nationality"],
    )
    return route_fields(chosen.provider, chosen.program, chosen.rule)


def route_fields(provider: str, program: str = "", rule: str = DEFAULT_RULE) -> dict[str, Any]:
    """The fields a verification routed to `provider` gets (its correction limit, say)."""
    caps = capabilities(provider)
    deferred = caps.customer_create == "with_kyc"
    return {
        "provider": provider,
        "provider_program": program,
        "routed_by": rule,
        "corrections_allowed": caps.correction_limit,
        "customer_state": CustomerState.DEFERRED if deferred else CustomerState.PENDING,
    }


def verification_save_profile(
    *, user: Any, profile: dict[str, Any], language: str = ""
) -> Verification:
    """Keep what the user typed before anything is sent, so an outage loses nothing.

    The profile also decides the provider (kyc/services/routing.py), recorded with the
    rule that chose it; until the provider has the customer, a changed profile may send
    the applicant to another provider. `language` is the one the user reads the pages in:
    a new verification keeps it for the emails.
    """
    values = _values(profile)
    with transaction.atomic():
        verification = Verification.objects.select_for_update().filter(user=user).first()
        if verification is None:
            return _create(user, {**values, "language": language})
        if verification.customer_state == CustomerState.CREATED or routing_frozen(verification):
            raise ProfileFrozen("the profile was already accepted by the provider")
        routed = _routed(verification, values)
        Verification.objects.filter(pk=verification.pk).update(
            customer_errors={}, **values, **routed
        )
        audit_record(verification=verification, action="profile_updated", source="user", actor=user)
        duplicates_index(verification_id=verification.pk)
        if routed["provider"] != verification.provider:
            _forget_form_spec(verification)
            _audit_route(verification, routed, "rerouted", "user", user, verification.provider)
    verification.refresh_from_db()
    return verification


def _create(user: Any, values: dict[str, Any]) -> Verification:
    verification = Verification(user=user, **values)
    for name, value in _routed(verification, values).items():
        setattr(verification, name, value)
    verification.save()
    audit_record(verification=verification, action="profile_saved", source="user", actor=user)
    duplicates_index(verification_id=verification.pk)
    routed = {"provider": verification.provider, "routed_by": verification.routed_by}
    _audit_route(verification, routed, "routed", "system", None)
    return verification


def verification_set_language(*, user: Any, language: str) -> bool:
    """The user chose the language they read (the switcher): later emails are sent in it.
    A preference, not a KYC state: no audit entry. False when the user has no verification
    yet (the one created later takes the language of the pages then)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError("not one of settings.LANGUAGES")
    return Verification.objects.filter(user=user).update(language=language) > 0


def _audit_route(
    verification: Verification,
    routed: dict[str, Any],
    action: str,
    source: str,
    actor: Any,
    before: str = "",
) -> None:
    moved = f"from {before} " if before else ""
    audit_record(
        verification=verification,
        action=action,
        source=source,
        actor=actor,
        note=f"{moved}to {routed['provider']} by rule {routed['routed_by']}",
    )


def _forget_form_spec(verification: Verification) -> None:
    # The cached KYC form was the previous provider's.
    Verification.objects.filter(pk=verification.pk).update(
        kyc_config=None, kyc_config_fetched_at=None
    )


def routing_frozen(verification: Verification) -> bool:
    """The provider has (or is being sent) this applicant: the choice can no longer change.
    A submission the provider refused outright gave it nothing: the profile is open again."""
    sent = verification.submissions.exclude(state=Submission.State.REJECTED)
    return verification.provider_has_customer or sent.exists()


def verification_reroute(*, verification_id: int, provider: str, actor: Any) -> Verification:
    """Staff send an applicant to another enabled provider, before that provider has it.

    Raises ValueError saying why when it cannot be done.
    """
    if not is_enabled(provider):
        raise ValueError(f"{provider} is not an enabled provider")
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        if routing_frozen(verification):
            raise ValueError("the provider already has this applicant: reset instead")
        if verification.provider == provider:
            raise ValueError(f"the applicant is already with {provider}")
        routed = route_fields(provider, "", "staff")
        Verification.objects.filter(pk=verification.pk).update(customer_errors={}, **routed)
        _forget_form_spec(verification)
        _audit_route(verification, routed, "rerouted", "staff", actor, verification.provider)
    verification.refresh_from_db()
    return verification


def verification_create_customer(*, verification_id: int, attempt: int = 1) -> CreateOutcome:
    """Create the customer at the provider; safe to run twice (the reference is unique)."""
    verification = Verification.objects.get(pk=verification_id)
    if verification.customer_state == CustomerState.CREATED:
        return CreateOutcome(created=True)
    if verification.customer_state == CustomerState.DEFERRED:
        return CreateOutcome(created=False)  # the first submission creates it
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


def _still_with(verification: Verification) -> Any:
    """The row, if it is still routed to the provider that was just called: a profile edit
    or a staff re-route while the call was on its way must not receive its answer."""
    return Verification.objects.filter(
        pk=verification.pk, provider=verification.provider, routed_by=verification.routed_by
    )


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
        changed = (
            _still_with(verification)
            .filter(customer_state__in=[CustomerState.PENDING, CustomerState.REJECTED])
            .update(
                customer_state=CustomerState.CREATED,
                provider_customer_id=customer_id,
                customer_errors={},
            )
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
        _still_with(verification).filter(customer_state=CustomerState.PENDING).update(
            customer_state=CustomerState.REJECTED, customer_errors=errors
        )
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
