"""Hosted collection: "continue with our verification partner", and the way back.

The hand-off is a POST answered with 303 to the provider's page (a GET never starts
anything: link scanners and prefetching browsers follow links). The way back reads the
provider's hint only to say something helpful; what the page shows is fetched.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kyc import jobs
from kyc.models import Status
from kyc.providers.errors import ProviderError, TransientProviderError
from kyc.services.corrections import may_hand_off
from kyc.services.hosted import HandOffRefused, verification_hand_off
from kyc.services.hosted import verification_returned as returned
from onboarding.journey import current_verification, hosted_documents, provider_error

logger = logging.getLogger(__name__)

# What the provider's redirect may say (Rebilly's `info` [SPEC redirectUrl]), and what we
# tell the applicant; the page below it shows what the provider itself reports.
HINTS = {
    "success": gettext_lazy("Thank you, we have your documents. Their result is below."),
    "manual": gettext_lazy(
        "Thank you, we have your documents. A person will look at them, which can take longer."
    ),
    "partial": gettext_lazy(
        "Some of your documents are still missing. Continue when you have them."
    ),
    "back": gettext_lazy("You left before finishing. Continue whenever you are ready."),
    "token_expired": gettext_lazy(
        "Your link to our verification partner expired. Continue to get a new one."
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def hosted(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None or not may_hand_off(verification):
        return redirect("onboarding:start")
    if request.method == "GET":
        context = {
            "verification": verification,
            "documents": hosted_documents(verification),
            "restart": verification.status == Status.FAILED,
        }
        return render(request, "onboarding/hosted.html", context)
    return_url = request.build_absolute_uri(reverse("onboarding:hosted_return"))
    try:
        hand_off = verification_hand_off(
            verification_id=verification.pk, return_url=return_url, actor=request.user
        )
    except HandOffRefused:
        return redirect("onboarding:status")
    except TransientProviderError as error:
        logger.warning("hosted hand-off failed: %s", error.code)
        return provider_error(request)
    except ProviderError as error:
        logger.warning("hosted hand-off refused: %s", error.code)
        return provider_error(request, malformed=True)
    if not hand_off.url:
        return redirect("onboarding:status")  # decided at once (or being checked)
    if not hand_off.url.startswith(("https://", "http://")):
        logger.warning("the provider's hand-off link is not a web address")
        return provider_error(request, malformed=True)
    return HttpResponseRedirect(hand_off.url, status=303)


@never_cache
@login_required
@require_GET
def hosted_return(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None:
        return redirect("onboarding:start")
    hint = request.GET.get("info", "")
    hint = hint if hint in HINTS else ""
    if verification.provider_case_id:
        try:
            returned(verification_id=verification.pk, hint=hint)
        except ProviderError as error:
            # The page says "being checked" meanwhile; a refresh brings the news.
            logger.warning("status after the hand-off unavailable: %s", error.code)
            jobs.after_commit(jobs.POLL_CUSTOMER, {"verification_id": verification.pk})
    if hint:
        messages.info(request, HINTS[hint])
    elif "info" in request.GET:
        messages.info(request, _("Welcome back."))
    return redirect("onboarding:status")
