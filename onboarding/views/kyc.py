"""The details step: the KYC form the provider's configuration asks for, then the submission."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kyc.models import CustomerState, Status, Submission, Verification
from kyc.providers.errors import InvalidResponseError, ProviderError
from kyc.providers.registry import get_provider
from kyc.services.customers import verification_form_spec
from kyc.services.submissions import SubmissionRefused, submission_create
from onboarding.formbuilder import FormPlan, plan_form
from onboarding.forms import ADDRESS_KEYS, KycForm
from onboarding.journey import (
    active_submission,
    current_verification,
    last_refusal,
    latest_documents,
    provider_error,
    refusal_words,
    upload_kinds,
)
from onboarding.prg import Errors, again, form_data, restore_errors

logger = logging.getLogger(__name__)


def form_plan(verification: Verification) -> FormPlan:
    """The provider's form for this customer; raises ProviderError (InvalidResponseError
    when the configuration cannot make a form)."""
    return plan_form(verification_form_spec(verification=verification))


@never_cache
@login_required
def kyc_details(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    ready = (CustomerState.CREATED, CustomerState.DEFERRED)
    if verification is None or verification.customer_state not in ready:
        return redirect("onboarding:start")
    if verification.status != Status.UNVERIFIED or active_submission(verification):
        return redirect("onboarding:status")
    documents = latest_documents(verification)
    if set(upload_kinds(verification)) - set(documents):
        messages.info(request, _("First add the photos we ask for."))
        return redirect("onboarding:uploads")
    documents = {kind: documents[kind] for kind in upload_kinds(verification)}
    try:
        plan = form_plan(verification)
    except InvalidResponseError:
        logger.warning("unusable KYC configuration for verification %s", verification.pk)
        return provider_error(request, malformed=True)
    except ProviderError as error:
        logger.warning("KYC configuration unavailable: %s", type(error).__name__)
        return provider_error(request)
    initial: dict[str, object] = {
        "address_country": verification.residence_country or verification.nationality
    }
    if verification.date_of_birth:  # asked at the profile already: not typed twice
        initial["dob"] = verification.date_of_birth
    data, kept = form_data(request)
    refusal = last_refusal(verification)
    refused = refusal_notice(verification, refusal) if refusal else ""
    if refusal is not None and data is None:  # what was sent, back, the refusal on its fields
        data, kept = refused_form_data(verification, refusal, plan)
    form = KycForm(data, plan=plan, initial=initial)
    if request.method == "POST":
        if not form.is_valid():
            return again(request, [form])
        submission_data = {**form.submission_data(verification), "documents": documents}
        try:
            submission_create(
                verification=verification,
                kind=Submission.Kind.INITIAL,
                data=submission_data,
                actor=request.user,
            )
        except SubmissionRefused:
            messages.info(request, _("Your details were already sent."))
        return redirect("onboarding:status")
    if data is not None:
        restore_errors([form], kept)
    context = {"form": form, "refused": refused, "verification": verification}
    return render(request, "onboarding/kyc.html", context)


def refusal_notice(verification: Verification, refusal: Submission) -> str:
    """What the provider said about the refused submission, above the form."""
    words = refusal_words(verification, refusal.last_error)
    return words or str(_("Our verification partner could not accept your details."))


def refused_form_data(
    verification: Verification, refusal: Submission, plan: FormPlan
) -> tuple[QueryDict, Errors]:
    """The refused submission as the form's data, and the provider's refusal on the fields
    it is about (what it says in general is shown above the form: refusal_notice)."""
    sent: dict[str, Any] = refusal.data or {}
    data = QueryDict(mutable=True)
    address = sent.get("address")
    address = address if isinstance(address, dict) else {}
    for name, key in ADDRESS_KEYS.items():
        data[name] = str(address.get(key) or "")
    for name in ("dob", "document_type", "document_number", "tax_number"):
        if sent.get(name):
            data[name] = str(sent[name])
    given = sent.get("additional_info") or {}
    for info in plan.info_fields:
        if info.name in given:
            data[info.form_name] = str(given[info.name])
    on_fields = get_provider(verification.provider).refused_fields(refusal.last_error)
    return data, [{"errors": {name: [text] for name, text in on_fields.items()}}]
