"""Provider calls and the audit trail: what was asked of providers, and who changed what."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin.audit_words import action_words
from kyc.admin.base import (
    ActionInWords,
    GuardedActions,
    ReadOnly,
    transition_text,
    username_of,
    verification_link,
)
from kyc.admin.filters import EstimatedCountPaginator, distinct_values
from kyc.admin.history import AuditTrailHistory, VerificationTrailFilter
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


class ActorFilter(admin.SimpleListFilter):
    """Who did it: the staff members (a short list), served by the index kyc_audit_actor."""

    title = gettext_lazy("staff member")
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        staff = get_user_model().objects.filter(is_staff=True).order_by("username")
        chosen = [("none", _("Nobody (the user, the provider or the system)"))]
        return chosen + [(str(pk), name) for pk, name in staff.values_list("pk", "username")[:200]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value is None:
            return queryset
        if value == "none":
            return queryset.filter(actor__isnull=True)
        return queryset.filter(actor_id=int(value)) if value.isdigit() else queryset.none()


class ActionFilter(admin.SimpleListFilter):
    """What was done: the distinct actions by a loose scan of the index kyc_audit_action."""

    title = gettext_lazy("action")
    parameter_name = "audit_action"  # "action" is the list actions' own form field

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(value, action_words(value)) for value in distinct_values(AuditEvent, "action")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        return queryset if value is None else queryset.filter(action=value)


@admin.register(ProviderCall)
class ProviderCallAdmin(AuditTrailHistory, GuardedActions, ReadOnly, ProviderCallBase):
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
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.request_body, indent=2, ensure_ascii=False)
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ActionInWords, AuditTrailHistory, GuardedActions, ReadOnly, AuditEventBase):
    list_display = (
        "created_at",
        "verification_name",
        "source",
        "action_shown",
        "transition",
        "actor_name",
        "note",
    )
    # Each served by an index: (actor, created_at), (action, created_at), created_at, and
    # (verification, created_at) for one verification's trail (its History link).
    list_filter = (
        VerificationTrailFilter,
        ActorFilter,
        ActionFilter,
        "source",
        ("created_at", admin.DateFieldListFilter),
    )
    # The note's trigram index (migration 0017) serves the "any part" search.
    search_fields = ("note",)
    search_help_text = gettext_lazy("Any part of the note.")
    list_select_related = ("verification", "actor")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = (
        "created_at",
        "verification_name",
        "source",
        "actor_name",
        "action_shown",
        "transition",
        "note",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("Staff member"), ordering="actor")
    def actor_name(self, obj: AuditEvent) -> str:
        return username_of(obj.actor)

    @admin.display(description=gettext_lazy("Verification"))
    def verification_name(self, obj: AuditEvent) -> SafeString | str:
        return verification_link(obj.verification)

    @admin.display(description=gettext_lazy("From → to"))
    def transition(self, obj: AuditEvent) -> str:
        return transition_text(obj)
