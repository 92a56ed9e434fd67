"""The profile step: who the applicant is; saving it also chooses their provider."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from kyc.models import CustomerState, Verification
from kyc.providers.errors import ProviderError, TransientProviderError
from kyc.providers.registry import get_provider
from kyc.services.customers import (
    OPTIONAL_FIELDS,
    PROFILE_FIELDS,
    ProfileFrozen,
    routing_frozen,
    verification_create_customer,
    verification_save_profile,
)
from onboarding.forms import ProfileForm
from onboarding.journey import current_verification, provider_error
from onboarding.prg import again, form_data, restore_errors
from onboarding.steps import profile_needs
from onboarding.views.start import next_step

logger = logging.getLogger(__name__)


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is not None and (
        verification.customer_state == CustomerState.CREATED or routing_frozen(verification)
    ):
        return redirect("onboarding:start")  # the provider has it: it can no longer change
    data, kept = form_data(request)
    if request.method == "POST":
        form = ProfileForm(data, needs=profile_needs())
        if form.is_valid():
            return _save_and_create(request, form)
        return again(request, [form])
    if data is not None:  # back from a POST with errors
        form = ProfileForm(data, needs=profile_needs())
        restore_errors([form], kept)
    else:
        form = _form_for(request, verification)
    return _page(request, form, verification)


def _page(
    request: HttpRequest, form: ProfileForm, verification: Verification | None
) -> HttpResponse:
    context = {"form": form, "verification": verification}
    return render(request, "onboarding/profile.html", context)


def _form_for(request: HttpRequest, verification: Verification | None) -> ProfileForm:
    needs = profile_needs()
    if verification is None:
        return ProfileForm(initial={"email": getattr(request.user, "email", "")}, needs=needs)
    if verification.customer_state != CustomerState.REJECTED:
        return ProfileForm(initial=_saved(verification), needs=needs)
    # Refused by the provider: show what was sent, with its errors on the fields.
    form = ProfileForm(data=_as_data(_saved(verification)), needs=needs)
    form.is_valid()
    words = get_provider(verification.provider).user_message
    form.add_provider_errors(verification.customer_errors or {}, words)
    return form


def _saved(verification: Verification) -> dict[str, Any]:
    return {name: getattr(verification, name) for name in (*PROFILE_FIELDS, *OPTIONAL_FIELDS)}


def _as_data(values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    if not data.pop("non_resident"):
        return data
    return {**data, "non_resident": "on"}


def _save_and_create(request: HttpRequest, form: ProfileForm) -> HttpResponse:
    try:
        verification = verification_save_profile(
            user=request.user, profile=form.profile(), language=get_language() or ""
        )
    except ProfileFrozen:  # created meanwhile (another tab, or the background retry)
        return redirect("onboarding:start")
    try:
        outcome = verification_create_customer(verification_id=verification.pk)
    except TransientProviderError:
        # Saved, and the service retries in the background: the status page says so.
        return redirect("onboarding:status")
    except ProviderError as error:
        logger.warning("customer creation failed: %s", type(error).__name__)
        return provider_error(request)
    if outcome.errors:
        form.add_provider_errors(outcome.errors, get_provider(verification.provider).user_message)
        return again(request, [form])
    verification.refresh_from_db()
    return redirect(next_step(verification))
