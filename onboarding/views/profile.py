"""The profile step: what the provider needs to create the customer."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kyc.models import CustomerState, Verification
from kyc.providers.errors import ProviderError, TransientProviderError
from kyc.services.customers import (
    PROFILE_FIELDS,
    verification_create_customer,
    verification_save_profile,
)
from onboarding.forms import ProfileForm
from onboarding.journey import current_verification, provider_error

logger = logging.getLogger(__name__)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is not None and verification.customer_state == CustomerState.CREATED:
        return redirect("onboarding:start")  # the provider has it: it can no longer change
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            return _save_and_create(request, form)
    else:
        form = _form_for(request, verification)
    return render(request, "onboarding/profile.html", {"form": form})


def _form_for(request: HttpRequest, verification: Verification | None) -> ProfileForm:
    if verification is None:
        return ProfileForm(initial={"email": getattr(request.user, "email", "")})
    if verification.customer_state != CustomerState.REJECTED:
        return ProfileForm(initial=_saved(verification))
    # Refused by the provider: show what was sent, with its errors on the fields.
    form = ProfileForm(data=_as_data(_saved(verification)))
    form.is_valid()
    form.add_provider_errors(verification.customer_errors or {})
    return form


def _saved(verification: Verification) -> dict[str, Any]:
    return {name: getattr(verification, name) for name in PROFILE_FIELDS}


def _as_data(values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    if not data.pop("non_resident"):
        return data
    return {**data, "non_resident": "on"}


def _save_and_create(request: HttpRequest, form: ProfileForm) -> HttpResponse:
    try:
        verification = verification_save_profile(user=request.user, profile=form.profile())
    except ValueError:  # created meanwhile (another tab, or the background retry)
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
        form.add_provider_errors(outcome.errors)
        return render(request, "onboarding/profile.html", {"form": form})
    return redirect("onboarding:uploads")
