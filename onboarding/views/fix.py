"""After a failure: only the form for the part that failed, while attempts are left."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kyc.models import FixKind, Status, Verification
from kyc.providers.errors import InvalidResponseError, ProviderError
from kyc.providers.registry import get_provider
from kyc.services.corrections import UPDATE_KINDS, fix_kind
from kyc.services.document_review import open_reupload
from kyc.services.submissions import SubmissionRefused, submission_create
from onboarding.forms import (
    AdditionalInfoFixForm,
    DocumentAndAddressFixForm,
    DocumentFixForm,
    JourneyForm,
    TaxFixForm,
    UploadsForm,
)
from onboarding.journey import (
    TEAM_REASONS,
    active_submission,
    causes,
    current_verification,
    failed_part,
    fix_action,
    fix_uploads,
    posted_files,
    sent_data,
    support_context,
    what_was_sent,
    words_of,
)
from onboarding.journey import provider_error as provider_error_page
from onboarding.phone import phone_offer
from onboarding.prg import again, form_data, restore_errors
from onboarding.views.kyc import form_plan

logger = logging.getLogger(__name__)
# The corrections our pages take; the provider's policy (Capabilities.fixes) picks among them.
FORMS_FOR = frozenset(UPDATE_KINDS)


@never_cache
@login_required
def fix(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None or verification.status != Status.FAILED:
        return redirect("onboarding:status")
    if active_submission(verification):
        return redirect("onboarding:status")  # the correction is on its way
    if open_reupload(verification) is not None:
        return redirect("onboarding:reupload")  # our team asked for one file only
    kind = fix_kind(verification)
    base = {"verification": verification, "fix": kind, **support_context(verification)}
    if kind not in FORMS_FOR or verification.corrections_left == 0:
        base["team_reason"] = TEAM_REASONS.get(verification.failure_reason, "")
        return render(request, "onboarding/fix_team.html", base)
    data, kept = form_data(request)
    sent = sent_data(verification)  # what the provider has: shown, and sent again with a fix
    try:
        forms = _forms(request, data, verification, kind, sent)
    except InvalidResponseError:
        return provider_error_page(request, malformed=True)
    except ProviderError as error:
        logger.warning("KYC configuration unavailable: %s", type(error).__name__)
        return provider_error_page(request)
    if request.method == "POST":
        every_valid = all([form.is_valid() for form in forms])  # every error at once
        if every_valid and not _fresh_warnings(forms):  # a warned file is shown once first
            return _submit(request, verification, kind, forms)
        return again(request, forms)
    if data is not None:
        restore_errors(forms, kept)
    words = words_of(verification)
    context = {
        **base,
        "forms": forms,
        "failed_part": failed_part(kind, words),
        "fix_action": fix_action(kind, words),
        "causes": causes(kind, verification),
        "sent": what_was_sent(verification, kind, sent),
    }
    if fix_uploads(verification, kind):  # a page that asks for photos
        context["phone_offer"] = phone_offer(request, verification, "fix")
    return render(request, "onboarding/fix.html", context)


def _forms(
    request: HttpRequest,
    data: QueryDict | None,
    verification: Verification,
    kind: FixKind,
    sent: dict[str, Any],
) -> list[JourneyForm]:
    found: list[JourneyForm] = []
    tax_id = get_provider(verification.provider).tax_id
    if kind == FixKind.TAX and tax_id is not None:
        found.append(TaxFixForm(data, tax_id=tax_id))
    if kind == FixKind.ADDITIONAL_INFO:
        found.append(AdditionalInfoFixForm(data, plan=form_plan(verification)))
    if kind == FixKind.DOCUMENT:
        found.append(_document_form(data, verification, sent))
    files = fix_uploads(verification, kind)
    if files:
        found.append(_uploads(request, data, verification, files))
    return found


def _document_form(
    data: QueryDict | None, verification: Verification, sent: dict[str, Any]
) -> DocumentFixForm:
    """The document's fields, pre-filled with what was sent; the address the provider has
    goes with them (asked only if it never got one)."""
    initial = {name: sent[name] for name in ("document_type", "document_number") if sent.get(name)}
    has_address = bool(sent.get("address") or sent.get("full_address"))
    form_class = DocumentFixForm if has_address else DocumentAndAddressFixForm
    if not has_address:
        initial["address_country"] = verification.residence_country or verification.nationality
    return form_class(data, plan=form_plan(verification), initial=initial, sent=sent)


def _fresh_warnings(forms: list[JourneyForm]) -> bool:
    """A file of this POST was warned about: show the page once more before sending it."""
    return any(isinstance(form, UploadsForm) and form.fresh_warnings for form in forms)


def _uploads(
    request: HttpRequest, data: QueryDict | None, verification: Verification, kinds: list[str]
) -> UploadsForm:
    # Only files received after the failure: the refused ones must not be sent again.
    return UploadsForm(
        data,
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
            form.send_anyway(request.user)
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
        text = _("Thank you. We are sending your correction for checking.")
        messages.success(request, text, extra_tags="live")
    return redirect("onboarding:status")
