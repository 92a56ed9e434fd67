"""After a failure: only the form for the part that failed, while attempts are left."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kyc.models import MAX_UPDATES, Document, FixKind, Status, Verification
from kyc.providers.errors import InvalidResponseError, ProviderError
from kyc.services.submissions import UPDATE_KINDS, SubmissionRefused, fix_kind, submission_create
from onboarding.forms import (
    AdditionalInfoFixForm,
    DocumentFixForm,
    JourneyForm,
    TaxFixForm,
    UploadsForm,
)
from onboarding.journey import (
    FAILED_PART,
    FIX_ACTION,
    active_submission,
    current_verification,
    posted,
    posted_files,
)
from onboarding.journey import provider_error as provider_error_page
from onboarding.views.kyc import form_plan

logger = logging.getLogger(__name__)
FIX_UPLOADS: dict[str, list[str]] = {
    FixKind.DOCUMENT: [Document.Kind.FRONT, Document.Kind.BACK],
    FixKind.SELFIE: [Document.Kind.SELFIE],
}


@login_required
def fix(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None or verification.status != Status.FAILED:
        return redirect("onboarding:status")
    if active_submission(verification):
        return redirect("onboarding:status")  # the correction is on its way
    kind = fix_kind(verification)
    base = {"verification": verification, "max_updates": MAX_UPDATES, "fix": kind}
    if kind == FixKind.NONE or verification.updates_left == 0:
        return render(request, "onboarding/fix_team.html", base)
    try:
        forms = _forms(request, verification, kind)
    except InvalidResponseError:
        return provider_error_page(request, malformed=True)
    except ProviderError as error:
        logger.warning("KYC configuration unavailable: %s", type(error).__name__)
        return provider_error_page(request)
    if request.method == "POST" and all([form.is_valid() for form in forms]):  # every error
        return _submit(request, verification, kind, forms)
    context = {
        **base,
        "forms": forms,
        "failed_part": FAILED_PART[kind],
        "fix_action": FIX_ACTION[kind],
    }
    return render(request, "onboarding/fix.html", context)


def _forms(request: HttpRequest, verification: Verification, kind: FixKind) -> list[JourneyForm]:
    data = posted(request)
    found: list[JourneyForm] = []
    if kind == FixKind.TAX:
        found.append(TaxFixForm(data))
    if kind == FixKind.ADDITIONAL_INFO:
        found.append(AdditionalInfoFixForm(data, plan=form_plan(verification)))
    if kind == FixKind.DOCUMENT:
        country = verification.residence_country or verification.nationality
        found.append(
            DocumentFixForm(
                data, plan=form_plan(verification), initial={"address_country": country}
            )
        )
    if kind in FIX_UPLOADS:
        found.append(_uploads(request, verification, FIX_UPLOADS[kind]))
    return found


def _uploads(request: HttpRequest, verification: Verification, kinds: list[str]) -> UploadsForm:
    # Only files received after the failure: the refused ones must not be sent again.
    return UploadsForm(
        posted(request),
        posted_files(request),
        verification=verification,
        kinds=kinds,
        request=request,
        newer_than=verification.status_changed_at,
    )


def _submit(
    request: HttpRequest, verification: Verification, kind: FixKind, forms: list[Any]
) -> HttpResponse:
    data: dict[str, Any] = {}
    for form in forms:
        if isinstance(form, UploadsForm):
            data["documents"] = form.cleaned_data["documents"]
        else:
            data.update(form.submission_data(verification))
    try:
        submission_create(
            verification=verification, kind=UPDATE_KINDS[kind], data=data, actor=request.user
        )
    except SubmissionRefused:
        messages.info(request, _("This correction cannot be sent now."))
    else:
        messages.success(request, _("Thank you. We are sending your correction for checking."))
    return redirect("onboarding:status")
