"""The compliance back office: verifications, their history, webhooks and provider calls.

Everything here is read-only: a state changes only through a staff action, which is
one call to kyc.services.staff (kyc/admin_actions.py). The verification list is
built for millions of rows: indexed filters and ordering, no full COUNT(*), and a
fixed number of queries per page whatever its size.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin_actions import (
    LIST_ACTIONS,
    MAX_BULK,
    offered_actions,
    run_detail_action,
)
from kyc.admin_changelist import VerificationChangeList
from kyc.admin_dashboard import dashboard, period
from kyc.admin_display import (
    badge,
    can_see_unmasked,
    document_previews,
    kyc_data_table,
    mask,
)
from kyc.admin_export import csv_response
from kyc.admin_filters import (
    AttemptsExhaustedFilter,
    EstimatedCountPaginator,
    FailureReasonFilter,
    ProviderFilter,
    StuckFilter,
)
from kyc.models import (
    MAX_UPDATES,
    AuditEvent,
    BankAccount,
    ProviderCall,
    Submission,
    Verification,
    WebhookEvent,
)
from kyc.services.staff import FORCE_OUTCOMES, NOTE_MAX_LENGTH, latest_kyc_data
from kyc.services.submissions import fix_kind

if TYPE_CHECKING:  # the admin classes are generic only in the type stubs
    VerificationBase = admin.ModelAdmin[Verification]
    WebhookEventBase = admin.ModelAdmin[WebhookEvent]
    ProviderCallBase = admin.ModelAdmin[ProviderCall]
    AuditEventBase = admin.ModelAdmin[AuditEvent]
    InlineBase = admin.TabularInline[Any, Any]
else:
    VerificationBase = WebhookEventBase = ProviderCallBase = AuditEventBase = admin.ModelAdmin
    InlineBase = admin.TabularInline

SECRET_HEADERS = ("x-api-key", "x-signature", "authorization", "cookie")


class ReadOnly:
    """Log-like data: staff read it, nobody edits or deletes it through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnly, InlineBase):
    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)


def verification_link(verification: Verification | None) -> SafeString | str:
    if verification is None:
        return "—"
    url = reverse("admin:kyc_verification_change", args=[verification.pk])
    return format_html('<a href="{}">{}</a>', url, verification.full_name)


def transition_text(event: AuditEvent) -> str:
    if not (event.from_status or event.to_status):
        return "—"
    return f"{event.from_status or '—'} → {event.to_status or '—'}"


# --- inlines of the verification page ------------------------------------------------------
class SubmissionInline(ReadOnlyInline):
    model = Submission
    fields = ("created_at", "kind", "state", "attempts", "last_error", "created_by", "sent_at")
    verbose_name_plural = gettext_lazy("Submissions (the data itself is under KYC data)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        return super().get_queryset(request).select_related("created_by")


class ProviderCallInline(ReadOnlyInline):
    model = ProviderCall
    fields = ("created_at", "method", "endpoint", "status_code", "duration", "attempt", "error")

    @admin.display(description=gettext_lazy("Duration"))
    def duration(self, obj: ProviderCall) -> str:
        return f"{obj.duration_ms:.0f} ms"


class WebhookEventInline(ReadOnlyInline):
    model = WebhookEvent
    fields = ("received_at", "event_type", "event", "state_badge", "error", "attempts")
    show_change_link = True

    @admin.display(description=gettext_lazy("State"))
    def state_badge(self, obj: WebhookEvent) -> SafeString:
        return badge(obj.state, obj.get_state_display())


class AuditEventInline(ReadOnlyInline):
    model = AuditEvent
    fields = ("created_at", "actor", "source", "action", "transition", "note")
    verbose_name_plural = gettext_lazy("Audit trail")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=gettext_lazy("From → to"))
    def transition(self, obj: AuditEvent) -> str:
        return transition_text(obj)


class BankAccountInline(ReadOnlyInline):
    model = BankAccount
    fields = ("created_at", "kind", "number", "ifsc", "status", "failure_reason")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        number = "number_unmasked" if can_see_unmasked(request.user) else "number"
        return ("created_at", "kind", number, "ifsc", "status", "failure_reason")

    @admin.display(description=gettext_lazy("Account number or UPI ID"))
    def number(self, obj: BankAccount) -> str:
        return obj.label  # stored already masked

    @admin.display(description=gettext_lazy("Account number or UPI ID"))
    def number_unmasked(self, obj: BankAccount) -> str:
        return obj.account_number or obj.vpa


# --- verifications -------------------------------------------------------------------------
@admin.register(Verification)
class VerificationAdmin(ReadOnly, VerificationBase):
    list_display = (
        "full_name",
        "email",
        "provider",
        "status_badge",
        "failure_reason",
        "attempts",
        "submitted_at",
        "time_in_status",
        "latest_submission",
    )
    list_filter = (
        "status",
        FailureReasonFilter,
        ProviderFilter,
        StuckFilter,
        AttemptsExhaustedFilter,
    )
    # Each served by an index: trigram indexes for name and email (migration 0004), plain
    # ones for the identifiers, so PostgreSQL combines them instead of reading every row.
    search_fields = (
        "full_name",
        "email",
        "provider_customer_id__exact",
        "client_reference_id__exact",
    )
    search_help_text = gettext_lazy(
        "Name or email (any part), or a provider customer id or client reference (whole)."
    )
    date_hierarchy = "submitted_at"
    ordering = ("-status_changed_at", "-id")
    list_per_page = 100
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = LIST_ACTIONS
    inlines = (
        SubmissionInline,
        AuditEventInline,
        ProviderCallInline,
        WebhookEventInline,
        BankAccountInline,
    )
    readonly_fields = (
        "status_badge",
        "attempts",
        "time_in_status",
        "fix_needed",
        "kyc_data",
        "kyc_data_unmasked",
        "documents_preview",
        "documents_listed",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verification]:
        # Evaluated only for the rows of the page (after ORDER BY ... LIMIT).
        latest = Submission.objects.filter(verification=OuterRef("pk")).order_by("-created_at")
        return (
            super()
            .get_queryset(request)
            .annotate(latest_submission_state=Subquery(latest.values("state")[:1]))
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[VerificationChangeList]:
        return VerificationChangeList

    def get_ordering(self, request: HttpRequest) -> Any:
        # Drilling down by submission date: list by that date, so the page is a range of
        # its index. Ordered by the last status change instead, PostgreSQL walks that
        # index through every later row (0.25 s for March at 1,000,000 rows).
        if any(key.startswith(f"{self.date_hierarchy}__") for key in request.GET):
            return ("-submitted_at", "-id")
        return self.ordering

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        unmasked = can_see_unmasked(request.user)
        kyc_field = "kyc_data_unmasked" if unmasked else "kyc_data"
        # A picture of an identity document shows its number: whole data, whole pictures.
        documents_field = "documents_preview" if unmasked else "documents_listed"
        return [
            (
                _("Profile"),
                {
                    "fields": (
                        "full_name",
                        "email",
                        "phone",
                        "nationality",
                        "non_resident",
                        "residence_country",
                        "user",
                        "created_at",
                    )
                },
            ),
            (
                _("Provider"),
                {
                    "fields": (
                        "provider",
                        "provider_customer_id",
                        "client_reference_id",
                        "customer_state",
                        "customer_errors",
                    )
                },
            ),
            (
                _("Status"),
                {
                    "fields": (
                        "status_badge",
                        "failure_reason",
                        "fix_needed",
                        "attempts",
                        "submitted_at",
                        "decided_at",
                        "status_changed_at",
                        "time_in_status",
                        "last_checked_at",
                    )
                },
            ),
            (_("KYC data"), {"fields": (kyc_field,)}),
            (_("Documents"), {"fields": (documents_field,)}),
        ]

    # --- columns and fields ----------------------------------------------------------------
    @admin.display(description=gettext_lazy("Status"), ordering="status")
    def status_badge(self, obj: Verification) -> SafeString:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description=gettext_lazy("Attempts used"), ordering="updates_used")
    def attempts(self, obj: Verification) -> str:
        return _("%(used)d of %(max)d") % {"used": obj.updates_used, "max": MAX_UPDATES}

    @admin.display(description=gettext_lazy("In this status for"), ordering="status_changed_at")
    def time_in_status(self, obj: Verification) -> str:
        return timesince(obj.status_changed_at, depth=2)

    @admin.display(description=gettext_lazy("Latest submission"))
    def latest_submission(self, obj: Verification) -> str:
        state = getattr(obj, "latest_submission_state", None)
        return str(Submission.State(state).label) if state else "—"

    @admin.display(description=gettext_lazy("What the user must fix"))
    def fix_needed(self, obj: Verification) -> str:
        return str(fix_kind(obj).label)

    @admin.display(description=gettext_lazy("Latest KYC data (identity numbers masked)"))
    def kyc_data(self, obj: Verification) -> SafeString:
        return kyc_data_table(latest_kyc_data(obj.submissions.all()), unmasked=False)

    @admin.display(description=gettext_lazy("Latest KYC data"))
    def kyc_data_unmasked(self, obj: Verification) -> SafeString:
        return kyc_data_table(latest_kyc_data(obj.submissions.all()), unmasked=True)

    @admin.display(description=gettext_lazy("Document and selfie"))
    def documents_preview(self, obj: Verification) -> SafeString:
        return document_previews(obj.documents.all())

    @admin.display(description=gettext_lazy("Document and selfie (no preview: masked data)"))
    def documents_listed(self, obj: Verification) -> SafeString:
        return document_previews(obj.documents.all(), previews=False)

    # --- permissions of the list actions ---------------------------------------------------
    def _may(self, request: HttpRequest, codename: str) -> bool:
        return bool(request.user.has_perm(f"kyc.{codename}"))

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "refresh_verification")

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "retry_submission")

    def has_request_resubmission_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "request_resubmission")

    def has_resubmit_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "resubmit_verification")

    def has_reset_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "reset_verification")

    # --- extra pages -----------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("dashboard/", wrap(self.dashboard_view), name="kyc_verification_dashboard"),
            path("export/", wrap(self.export_view), name="kyc_verification_export"),
            path(
                "<path:object_id>/staff/<str:action>/",
                wrap(self.staff_action_view),
                name="kyc_verification_staff_action",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "staff_actions": offered_actions(request.user),
            "force_outcomes": FORCE_OUTCOMES,
            "note_max_length": NOTE_MAX_LENGTH,
        }
        return super().change_view(request, object_id, form_url, context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), "max_bulk": MAX_BULK}
        return super().changelist_view(request, context)

    def staff_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        return run_detail_action(self, request, object_id, action)

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compliance dashboard"),
            "opts": self.model._meta,
            "board": dashboard(period(request.GET.get("days"))),
        }
        return TemplateResponse(request, "admin/kyc/verification/dashboard.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            url = reverse("admin:kyc_verification_changelist")
            return HttpResponseRedirect(f"{url}?{ERROR_FLAG}=1")
        return csv_response(changelist.queryset, unmasked=can_see_unmasked(request.user))


# --- webhooks ------------------------------------------------------------------------------
@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnly, WebhookEventBase):
    list_display = (
        "received_at",
        "provider",
        "event_type",
        "event",
        "entity_id",
        "state_badge",
        "signature_valid",
        "verification_name",
        "attempts",
    )
    list_filter = ("state",)
    search_fields = ("=entity_id",)
    list_select_related = ("verification",)
    ordering = ("-received_at", "-id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ("reprocess_selected",)
    fields = (
        "provider",
        "received_at",
        "remote_addr",
        "state_badge",
        "signature_valid",
        "error",
        "attempts",
        "processed_at",
        "event_type",
        "entity_id",
        "event",
        "occurred_at",
        "dedupe_key",
        "verification_name",
        "headers_shown",
        "body_shown",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("State"), ordering="state")
    def state_badge(self, obj: WebhookEvent) -> SafeString:
        return badge(obj.state, obj.get_state_display())

    @admin.display(description=gettext_lazy("Signature"))
    def signature_valid(self, obj: WebhookEvent) -> str:
        if obj.state == WebhookEvent.State.INVALID:
            return _("invalid")
        if obj.state == WebhookEvent.State.RECEIVED:
            return _("not checked yet")
        return _("valid")

    @admin.display(description=gettext_lazy("Verification"))
    def verification_name(self, obj: WebhookEvent) -> SafeString | str:
        return verification_link(obj.verification)

    @admin.display(description=gettext_lazy("Headers (secrets hidden)"))
    def headers_shown(self, obj: WebhookEvent) -> SafeString:
        headers = {
            name: mask(value) if name.lower() in SECRET_HEADERS else value
            for name, value in (obj.headers or {}).items()
        }
        return format_html("<pre>{}</pre>", json.dumps(headers, indent=2, sort_keys=True))

    @admin.display(description=gettext_lazy("Raw body"))
    def body_shown(self, obj: WebhookEvent) -> SafeString:
        try:
            text = json.dumps(json.loads(obj.body), indent=2, sort_keys=True)
        except ValueError:
            text = obj.body
        return format_html('<pre class="kyc-raw">{}</pre>', text)

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("kyc.reprocess_webhookevent"))

    @admin.action(description=gettext_lazy("Reprocess"), permissions=["reprocess"])
    def reprocess_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        ids = list(queryset.values_list("pk", flat=True)[: MAX_BULK + 1])
        if len(ids) > MAX_BULK:
            message = _("Select at most %(max)d events for this action.") % {"max": MAX_BULK}
            self.message_user(request, message, messages.ERROR)
            return
        for event_id in ids:
            self._reprocess(request, event_id)

    def _reprocess(self, request: HttpRequest, event_id: int) -> None:
        # Imported when used: the intake's service module loads provider code the admin
        # does not otherwise need.
        from kyc.services.webhooks import WebhookReprocessRefused, webhook_reprocess

        try:
            webhook_reprocess(event_id=event_id, actor=request.user)
        except WebhookReprocessRefused as exc:
            text = _("Event %(id)d: %(why)s") % {"id": event_id, "why": exc}
            self.message_user(request, text, messages.WARNING)
            return
        text = _("Event %(id)d queued for processing again.") % {"id": event_id}
        self.message_user(request, text, messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/reprocess/",
                self.admin_site.admin_view(self.reprocess_view),
                name="kyc_webhookevent_reprocess",
            ),
            *super().get_urls(),
        ]

    def reprocess_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = self.get_object(request, object_id)
        if event is None:
            raise Http404
        if not self.has_reprocess_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        self._reprocess(request, event.pk)
        return HttpResponseRedirect(reverse("admin:kyc_webhookevent_change", args=[event.pk]))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "can_reprocess": self.has_reprocess_permission(request),
        }
        return super().change_view(request, object_id, form_url, context)


# --- provider calls and audit trail ----------------------------------------------------------
class FailedCallFilter(admin.SimpleListFilter):
    title = gettext_lazy("outcome")
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("failed", _("Failed")), ("ok", _("Succeeded"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        failed = Q(status_code__isnull=True) | Q(status_code__gte=400) | ~Q(error="")
        if self.value() == "failed":
            return queryset.filter(failed)
        if self.value() == "ok":
            return queryset.exclude(failed)
        return queryset


@admin.register(ProviderCall)
class ProviderCallAdmin(ReadOnly, ProviderCallBase):
    list_display = (
        "created_at",
        "provider",
        "method",
        "endpoint",
        "status_code",
        "duration",
        "attempt",
        "error",
        "verification_name",
    )
    list_filter = (FailedCallFilter,)
    list_select_related = ("verification",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = (
        "created_at",
        "provider",
        "method",
        "endpoint",
        "status_code",
        "duration",
        "attempt",
        "error",
        "verification_name",
        "request_shown",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("Duration"), ordering="duration_ms")
    def duration(self, obj: ProviderCall) -> str:
        return f"{obj.duration_ms:.0f} ms"

    @admin.display(description=gettext_lazy("Verification"))
    def verification_name(self, obj: ProviderCall) -> SafeString | str:
        return verification_link(obj.verification)

    @admin.display(description=gettext_lazy("Request body (redacted when recorded)"))
    def request_shown(self, obj: ProviderCall) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(obj.request_body, indent=2))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly, AuditEventBase):
    list_display = (
        "created_at",
        "verification_name",
        "source",
        "action",
        "transition",
        "actor",
        "note",
    )
    list_filter = ("source",)
    list_select_related = ("verification", "actor")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = (
        "created_at",
        "verification_name",
        "source",
        "actor",
        "action",
        "transition",
        "note",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("Verification"))
    def verification_name(self, obj: AuditEvent) -> SafeString | str:
        return verification_link(obj.verification)

    @admin.display(description=gettext_lazy("From → to"))
    def transition(self, obj: AuditEvent) -> str:
        return transition_text(obj)
