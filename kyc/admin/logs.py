"""Provider calls and the audit trail: what was asked of providers, and who changed what."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin.base import ReadOnly, transition_text, verification_link
from kyc.admin.filters import EstimatedCountPaginator
from kyc.models import AuditEvent, ProviderCall

if TYPE_CHECKING:
    ProviderCallBase = admin.ModelAdmin[ProviderCall]
    AuditEventBase = admin.ModelAdmin[AuditEvent]
else:
    ProviderCallBase = AuditEventBase = admin.ModelAdmin


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
