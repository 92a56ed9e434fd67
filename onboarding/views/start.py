"""Where to go next: the journey resumes from the server's state, on any device."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kyc.models import CustomerState, Status, Verification
from onboarding.journey import active_submission, current_verification, upload_kinds
from onboarding.journey import latest_documents as accepted_documents
from onboarding.steps import DETAILS, HOSTED, STEPS, UPLOADS, capabilities_for


@login_required
def start(request: HttpRequest) -> HttpResponse:
    return redirect(next_step(current_verification(request)))


def next_step(verification: Verification | None) -> str:
    """The URL name of the page the applicant continues on."""
    if verification is None or verification.customer_state == CustomerState.REJECTED:
        return "onboarding:profile"
    if verification.customer_state == CustomerState.PENDING:
        return "onboarding:status"
    if verification.status != Status.UNVERIFIED or active_submission(verification):
        return "onboarding:status"
    if capabilities_for(verification).collection == "hosted":
        return STEPS[HOSTED].url_name
    if set(upload_kinds(verification)) - set(accepted_documents(verification)):
        return STEPS[UPLOADS].url_name
    return STEPS[DETAILS].url_name
