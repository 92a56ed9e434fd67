"""The document viewer of a verification: its files large, zoomed and turned, side by side with
the selfie, and a decision on each (kyc/services/document_review.py).

Pictures are shown only to staff who may see unmasked identity data (a document's picture
shows its number), through short-lived presigned GETs of the checked copy, and every such
view is recorded (kyc.services.access). Others see which files there are and how they were
reviewed, never a picture or its address. Deciding needs kyc.review_document (our files) or
kyc.review_provider_document (the provider's); the view refuses a POST without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from kyc.admin.actions import documents_context, provider_document_posted
from kyc.admin.display import PREVIEW_URL_EXPIRY, can_see_unmasked
from kyc.models import Document, Verification
from kyc.providers import registry
from kyc.services import document_review
from kyc.services.access import access_record_documents_viewed
from kyc.services.documents import checked_key, documents_storage
from kyc.services.staff import StaffActionRefused, StaffResult

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    VerificationAdminBase = ModelAdmin[Verification]
else:
    VerificationAdminBase = Any

REVIEW_PERMISSION = "kyc.review_document"
DECISIONS = ("accept", "reject", "reupload")


@dataclass(frozen=True)
class ShownDocument:
    document: Document
    url: str  # "" when no picture is shown (masked viewer, refused file)
    reupload_refusal: str  # why a new upload cannot be asked now ("" when it can)

    @property
    def reason_label(self) -> str:
        code = self.document.review_reason
        return str(dict(document_review.ReviewReason.choices).get(code, code))

    @property
    def is_pdf(self) -> bool:
        return self.document.content_type == "application/pdf"

    @property
    def is_picture(self) -> bool:
        return bool(self.url) and not self.is_pdf


def may_review(user: Any) -> bool:
    return bool(user.has_perm(REVIEW_PERMISSION))


def _shown(document: Document, *, pictures: bool, refusals: dict[str, str]) -> ShownDocument:
    key = checked_key(document) if pictures else ""  # only bytes that passed the check
    url = str(documents_storage().url(key, expire=PREVIEW_URL_EXPIRY)) if key else ""
    return ShownDocument(document, url, refusals.get(document.kind, ""))


def viewer_context(user: Any, verification: Verification) -> dict[str, Any]:
    pictures = can_see_unmasked(user)
    rows = verification.documents.select_related("reviewed_by").order_by("-created_at")
    order = list(Document.Kind.values)  # front, back, selfie; the newest first in each
    ordered = sorted(rows, key=lambda document: order.index(document.kind))
    configured = verification.provider in registry.known()
    # A provider no longer configured: its files stay readable, nothing can be asked of it.
    gone = _("%s is no longer a configured provider.") % verification.provider
    refusals = (
        document_review.reupload_refusals(verification)
        if configured
        else dict.fromkeys(Document.Kind.values, gone)
    )
    shown = [_shown(document, pictures=pictures, refusals=refusals) for document in ordered]
    selfies = [item for item in shown if item.is_picture and item.document.kind == "selfie"]
    others = [item for item in shown if item.is_picture and item.document.kind != "selfie"]
    return {
        "verification": verification,
        "pictures": pictures,
        "documents": shown,
        "main_choices": others + selfies,
        "side_choices": selfies + others,
        "may_review": may_review(user),
        "reasons": document_review.ReviewReason.choices,
        "message_max_length": document_review.MESSAGE_MAX_LENGTH,
        **(
            documents_context(user, verification)
            if verification.provider in registry.known()
            else {}
        ),
    }


def viewer_view(
    model_admin: VerificationAdminBase, request: HttpRequest, object_id: str
) -> HttpResponse:
    verification = model_admin.get_object(request, object_id)
    if verification is None:
        raise Http404
    if not model_admin.has_view_permission(request, verification):
        raise PermissionDenied
    context = viewer_context(request.user, verification)
    if context["pictures"]:
        access_record_documents_viewed(
            verification=verification,
            actor=request.user,
            documents=[item.document for item in context["documents"] if item.url],
        )
    context |= {
        **model_admin.admin_site.each_context(request),
        "title": _("Documents of %(name)s") % {"name": verification.full_name},
        "opts": model_admin.model._meta,
        "original": verification,
    }
    return TemplateResponse(request, "admin/kyc/verification/document_viewer.html", context)


def _back(verification: Verification) -> HttpResponseRedirect:
    url = reverse("admin:kyc_verification_document_viewer", args=[verification.pk])
    return HttpResponseRedirect(url)


def _report(request: HttpRequest, call: Any) -> None:
    try:
        result: StaffResult = call()
    except StaffActionRefused as exc:
        messages.error(request, str(exc))
        return
    level = messages.SUCCESS if result.done else messages.WARNING
    messages.add_message(request, level, result.message)


def decide_view(
    model_admin: VerificationAdminBase, request: HttpRequest, object_id: str, document_id: int
) -> HttpResponse:
    """Accept, refuse or ask again for one of our files (POST, with kyc.review_document)."""
    verification = model_admin.get_object(request, object_id)
    if verification is None:
        raise Http404
    document = Document.objects.filter(pk=document_id, verification=verification).first()
    if document is None:
        raise Http404
    if not may_review(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    post, actor = request.POST, request.user
    decision = post.get("decision", "")
    calls = {
        "accept": lambda: document_review.document_accept(
            document_id=document.pk, actor=actor, note=post.get("note", "")
        ),
        "reject": lambda: document_review.document_reject(
            document_id=document.pk,
            actor=actor,
            reason=post.get("reason", ""),
            note=post.get("note", ""),
        ),
        "reupload": lambda: document_review.document_request_reupload(
            document_id=document.pk,
            actor=actor,
            reason=post.get("reason", ""),
            message=post.get("message", ""),
        ),
    }
    if decision not in calls:
        messages.error(request, _("Choose to accept, to refuse or to ask again."))
    else:
        _report(request, calls[decision])
    return _back(verification)


def provider_decide_view(
    model_admin: VerificationAdminBase, request: HttpRequest, object_id: str, document_id: int
) -> HttpResponse:
    """The same decisions on one of the provider's documents: the provider is called."""
    found = provider_document_posted(model_admin, request, object_id, document_id)
    if isinstance(found, HttpResponse):
        return found
    verification, document = found
    decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")
    allowed = {
        code
        for code, _label in documents_context(request.user, verification).get(
            "rejection_choices", []
        )
    }
    if decision != "accept" and reason not in allowed:
        messages.error(request, _("Choose why."))
        return _back(verification)
    _report(
        request,
        lambda: document_review.provider_document_decide(
            document_id=document.pk,
            actor=request.user,
            decision=decision,
            reason=reason,
            message=request.POST.get("message", ""),
        ),
    )
    return _back(verification)


def viewer_urls(model_admin: VerificationAdminBase) -> list[URLPattern]:
    """The viewer's pages, under the verification's admin URLs."""
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "<path:object_id>/documents/viewer/",
            wrap(lambda request, object_id: viewer_view(model_admin, request, object_id)),
            name="kyc_verification_document_viewer",
        ),
        path(
            "<path:object_id>/documents/<int:document_id>/decide/",
            wrap(
                lambda request, object_id, document_id: decide_view(
                    model_admin, request, object_id, document_id
                )
            ),
            name="kyc_verification_document_decide",
        ),
        path(
            "<path:object_id>/provider-documents/<int:document_id>/decide/",
            wrap(
                lambda request, object_id, document_id: provider_decide_view(
                    model_admin, request, object_id, document_id
                )
            ),
            name="kyc_verification_provider_document_decide",
        ),
    ]
