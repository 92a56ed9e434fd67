"""The home page: what the verification is, and what to have ready for it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onboarding.checklist import checklist
from onboarding.journey import current_verification


def home(request: HttpRequest) -> HttpResponse:
    context = {"checklist": checklist(current_verification(request))}
    return render(request, "home.html", context)
