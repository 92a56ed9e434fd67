"""Four eyes in the admin: the requests awaiting a second officer, with Approve and Reject,
and every request as it was decided (read-only). Each button is one call to
kyc/services/approvals.py, which refuses the requester and runs an approved action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin.base import ReadOnly
from kyc.models import ApprovalRequest
from kyc.services.approvals import (
    APPROVE_PERMISSION,
    approval_approve,
    approval_reject,
    approvals_expire,
    pending_requests,
)
from kyc.services.staff import StaffActionRefused

if TYPE_CHECKING:
    ApprovalBase = admin.ModelAdmin[ApprovalRequest]
else:
    ApprovalBase = admin.ModelAdmin

PENDING_SHOWN = 200


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnly, ApprovalBase):
    list_display = (
        "created_at",
        "action",
        "state",
        "verifications_shown",
        "requested_by",
        "reason",
        "decided_by",
        "decided_at",
    )
    list_filter = ("state", "action")
    list_select_related = ("requested_by", "decided_by")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    readonly_fields = ("verifications_shown", "result")
    exclude = ("verifications",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("verifications")

    @admin.display(description=gettext_lazy("Verifications"))
    def verifications_shown(self, obj: ApprovalRequest) -> SafeString:
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:kyc_verification_change", args=[v.pk]), v.full_name)
                for v in obj.verifications.all()
            ),
        )
        return format_html("{}", links)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("pending/", wrap(self.pending_view), name="kyc_approvalrequest_pending"),
            path(
                "<int:request_id>/decide/",
                wrap(self.decide_view),
                name="kyc_approvalrequest_decide",
            ),
            *super().get_urls(),
        ]

    def pending_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        approvals_expire()
        waiting = (
            pending_requests()
            .select_related("requested_by")
            .prefetch_related("verifications")
            .order_by("created_at", "pk")[:PENDING_SHOWN]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Requests awaiting approval"),
            "opts": self.model._meta,
            "requests": list(waiting),
            "may_decide": request.user.has_perm(APPROVE_PERMISSION),
        }
        return TemplateResponse(request, "admin/kyc/approvalrequest/pending.html", context)

    def decide_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        if not request.user.has_perm(APPROVE_PERMISSION):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        if not ApprovalRequest.objects.filter(pk=request_id).exists():
            raise Http404
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                result = approval_approve(request_id=request_id, actor=request.user)
            elif decision == "reject":
                note = request.POST.get("note", "")
                result = approval_reject(request_id=request_id, actor=request.user, note=note)
            else:
                raise StaffActionRefused(_("Choose to approve or to reject."))
        except StaffActionRefused as exc:
            messages.error(request, str(exc))
        else:
            level = messages.SUCCESS if result.done else messages.WARNING
            messages.add_message(request, level, result.message)
        return HttpResponseRedirect(reverse("admin:kyc_approvalrequest_pending"))
