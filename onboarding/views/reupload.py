"""The one file our team asked to be uploaded again (kyc/services/document_review.py): that
file only, through the same uploads and checks as any, then sent as a correction."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kyc.models import Document, Verification
from kyc.services.document_review import applicant_reason, document_reupload_send, open_reupload
from kyc.services.submissions import SubmissionRefused
from onboarding.forms import UploadsForm
from onboarding.journey import active_submission, current_verification, posted_files
from onboarding.prg import again, form_data, restore_errors


def _form(
    request: HttpRequest, data: object, verification: Verification, requested: Document
) -> UploadsForm:
    # Only a file received after the request: the one refused is never sent again.
    return UploadsForm(
        data,
        posted_files(request),
        verification=verification,
        kinds=[requested.kind],
        request=request,
        newer_than=requested.reviewed_at,
    )


@never_cache
@login_required
def reupload(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None or active_submission(verification):
        return redirect("onboarding:status")
    requested = open_reupload(verification)
    if requested is None:
        return redirect("onboarding:status")
    data, kept = form_data(request)
    form = _form(request, data, verification, requested)
    if request.method == "POST":
        if form.is_valid() and not form.fresh_warnings:  # a warned file is shown once first
            form.send_anyway(request.user)
            return _send(request, verification, requested, form)
        return again(request, [form])
    if data is not None:
        restore_errors([form], kept)
    context = {
        "verification": verification,
        "requested": requested,
        "reason": applicant_reason(requested),
        "form": form,
    }
    return render(request, "onboarding/reupload.html", context)


def _send(
    request: HttpRequest, verification: Verification, requested: Document, form: UploadsForm
) -> HttpResponse:
    try:
        document_reupload_send(
            verification_id=verification.pk,
            requested_id=requested.pk,
            new_document_id=form.cleaned_data["documents"][requested.kind],
            actor=request.user,
        )
    except SubmissionRefused:
        messages.info(request, _("This correction cannot be sent now."))
    else:
        text = _("Thank you. We are sending your new document for checking.")
        messages.success(request, text, extra_tags="live")
    return redirect("onboarding:status")
