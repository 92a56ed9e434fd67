"""The status page, and the small JSON answer it polls to update itself."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache

from onboarding.journey import current_verification, progress_of


@never_cache
@login_required
def status(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None:
        return redirect("onboarding:profile")
    progress = progress_of(verification)
    context = {
        **progress.context(),
        "live_url": reverse("onboarding:status_live"),
        "poll_seconds": settings.STATUS_POLL_SECONDS,
        # "We are sending your correction" is said only while it is being sent.
        "stale_notices": progress.stage != "sending",
    }
    return render(request, "onboarding/status.html", context)


@never_cache
@login_required
def status_live(request: HttpRequest) -> JsonResponse:
    verification = current_verification(request)
    if verification is None:
        return JsonResponse({"key": "", "html": "", "final": True}, status=404)
    progress = progress_of(verification)
    html = render_to_string("onboarding/_status_panel.html", progress.context(), request)
    return JsonResponse({"key": progress.key, "html": html, "final": progress.final})
