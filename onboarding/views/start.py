"""Where to go next: the journey resumes from the server's state, on any device."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kyc.models import CustomerState, Status
from onboarding.journey import UPLOAD_KINDS, active_submission, current_verification
from onboarding.journey import latest_documents as accepted_documents


@login_required
def start(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None or verification.customer_state == CustomerState.REJECTED:
        return redirect("onboarding:profile")
    if verification.customer_state == CustomerState.PENDING:
        return redirect("onboarding:status")
    if verification.status != Status.UNVERIFIED or active_submission(verification):
        return redirect("onboarding:status")
    if set(UPLOAD_KINDS) - set(accepted_documents(verification)):
        return redirect("onboarding:uploads")
    return redirect("onboarding:kyc")
