"""Document uploads: presigned POSTs for the browser, and a plain form without JavaScript."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kyc.models import CustomerState, Document, Status, Verification
from kyc.quality import warnings_of
from kyc.services.documents import declared_type_problem, document_check, document_presign
from onboarding import limits
from onboarding.capture import receipt
from onboarding.forms import UploadsForm
from onboarding.journey import (
    active_submission,
    current_verification,
    may_upload,
    posted_files,
    upload_kinds,
)
from onboarding.phone import phone_offer, photo_step, photo_verification
from onboarding.prg import again, form_data, restore_errors
from onboarding.views.start import next_step

logger = logging.getLogger(__name__)


def _own_verification(request: HttpRequest) -> Verification:
    """The signed-in user's onboarding, or the one a phone was given a link for."""
    verification = photo_verification(request)
    if verification is None:
        raise Http404
    return verification


@never_cache
@login_required
def uploads(request: HttpRequest) -> HttpResponse:
    """The files the provider takes (front, back, selfie for DollarPe), for the first submission."""
    verification = current_verification(request)
    if verification is None or verification.customer_state == CustomerState.REJECTED:
        return redirect("onboarding:profile")
    if verification.status != Status.UNVERIFIED or active_submission(verification):
        return redirect("onboarding:status")
    kinds = upload_kinds(verification)
    if not kinds:
        return redirect(next_step(verification))  # this provider takes no file from us
    data, kept = form_data(request)
    form = UploadsForm(
        data,
        posted_files(request),
        verification=verification,
        kinds=kinds,
        request=request,
    )
    if request.method == "POST":
        if form.is_valid() and not form.fresh_warnings:  # a warned file is shown once first
            form.send_anyway(request.user)
            return redirect(next_step(verification))
        return again(request, [form])
    if data is not None:
        restore_errors([form], kept)
    context = {
        "form": form,
        "verification": verification,
        "phone_offer": phone_offer(request, verification, "uploads"),
    }
    return render(request, "onboarding/uploads.html", context)


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"accepted": False, "message": message}, status=status)


@photo_step
@require_POST
def presign(request: HttpRequest) -> JsonResponse:
    """A presigned POST for one file, which the browser sends straight to the private bucket."""
    verification = _own_verification(request)
    limits.count(request, "upload", f"verification:{verification.pk}")
    kind = request.POST.get("kind", "")
    if kind not in Document.Kind.values:
        return _json_error(_("Unknown kind of document."), 400)
    if not may_upload(verification, kind):
        return _json_error(_("This file cannot be changed now."), 409)
    content_type = request.POST.get("content_type", "")
    problem = declared_type_problem(kind, content_type)
    if problem:  # the upload policy names this type; the check still reads the bytes
        return _json_error(problem, 400)
    try:
        ticket = document_presign(verification=verification, kind=kind, content_type=content_type)
    except (BotoCoreError, ClientError) as error:
        logger.warning("presign failed: %s", type(error).__name__)
        return _json_error(_("We could not prepare the upload. Please try again."), 503)
    return JsonResponse(
        {
            "document": ticket.document.pk,
            "url": ticket.url,
            "fields": ticket.fields,
            "max_bytes": settings.DOCUMENT_MAX_BYTES,
        }
    )


@photo_step
@require_POST
def check(request: HttpRequest, document_id: int) -> JsonResponse:
    """After the browser uploaded: accept the file, or delete it and say why.

    `sent_anyway=1`: the browser warned about this picture and the person chose to send it."""
    verification = _own_verification(request)
    limits.count(request, "upload", f"verification:{verification.pk}")
    document = get_object_or_404(Document, pk=document_id, verification=verification)
    sent_anyway = request.POST.get("sent_anyway", "0")
    if sent_anyway not in ("0", "1"):
        return _json_error(_("Unknown answer to the photo warning."), 400)
    try:
        document = document_check(document_id=document.pk, sent_anyway=sent_anyway == "1")
    except (BotoCoreError, ClientError) as error:
        logger.warning("document check failed: %s", type(error).__name__)
        return _json_error(_("We could not check the file just now. Please try again."), 503)
    accepted = document.state == Document.State.ACCEPTED
    return JsonResponse(
        {
            "document": document.pk,
            "accepted": accepted,
            "message": receipt(document) if accepted else document.rejection_reason,
            "warnings": warnings_of(document.quality) if accepted else [],
        }
    )
