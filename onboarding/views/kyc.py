"""The details step: the KYC form the provider's configuration asks for, then the submission."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kyc.models import CustomerState, Status, Submission, Verification
from kyc.providers.errors import InvalidResponseError, ProviderError
from kyc.services.customers import verification_form_spec
from kyc.services.submissions import SubmissionRefused, submission_create
from onboarding.formbuilder import FormPlan, plan_form
from onboarding.forms import KycForm
from onboarding.journey import (
    active_submission,
    current_verification,
    latest_documents,
    posted,
    provider_error,
    upload_kinds,
)

logger = logging.getLogger(__name__)


def form_plan(verification: Verification) -> FormPlan:
    """The provider's form for this customer; raises ProviderError (InvalidResponseError
    when the configuration cannot make a form)."""
    return plan_form(verification_form_spec(verification=verification))


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
    form = KycForm(posted(request), plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {**form.submission_data(verification), "documents": documents}
        try:
            submission_create(
                verification=verification,
                kind=Submission.Kind.INITIAL,
                data=data,
                actor=request.user,
            )
        except SubmissionRefused:
            messages.info(request, _("Your details were already sent."))
        return redirect("onboarding:status")
    context = {"form": form, "verification": verification}
    return render(request, "onboarding/kyc.html", context)
