"""The status page, and the small JSON answer it polls to update itself."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache

from onboarding.journey import Progress, current_verification, last_checked_view, progress_of
from onboarding.steps import stepper


@never_cache
@login_required
def status(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None:
        return redirect("onboarding:profile")
    progress = progress_of(verification)
    context = {
        **progress.context(),
        "last_checked": last_checked_view(progress),
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
    return JsonResponse(
        {"key": progress.key, "html": html, "final": progress.final, **_around(progress, request)}
    )


def _around(progress: Progress, request: HttpRequest) -> dict[str, Any]:
    """What changes beside the panel: the stepper (replaced with the panel) and the
    "last checked" line (on every answer: it ages even when nothing else changes)."""
    steps = {"stepper": stepper(progress.verification, progress=progress)}
    checked = {"last_checked": last_checked_view(progress)}
    return {
        "steps": render_to_string("onboarding/_steps.html", steps, request),
        "checked": render_to_string("onboarding/_last_checked.html", checked, request),
    }
