"""Our audit trail where Django's admin would show its own log (LogEntry), which stays empty:
nothing here is edited through the admin, every change is an AuditEvent (kyc/services/audit.py).

- An object's History page is the audit list filtered to its verification.
- The index's Recent actions are the member's own latest audit entries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from kyc.models import AuditEvent, Verification

RECENT_SHOWN = 10


def audit_trail_url(verification_id: int | None) -> str:
    url = reverse("admin:kyc_auditevent_changelist")
    return f"{url}?verification={verification_id}" if verification_id else url


class AuditTrailHistory:
    """History opens the audit trail of the object's verification."""

    def history_verification_id(self, obj: Any) -> int | None:
        return getattr(obj, "verification_id", None)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if obj is None or not self.has_view_permission(request, obj):  # type: ignore[attr-defined]
            # What Django's own history view does for a missing object: back to the list.
            return super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        return HttpResponseRedirect(audit_trail_url(self.history_verification_id(obj)))


class VerificationTrailFilter(admin.SimpleListFilter):
    """The audit entries of one verification (its History link), served by the index
    kyc_audit_verification. Offered only once chosen: a list of every applicant is no use."""

    title = gettext_lazy("verification")
    parameter_name = "verification"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if not value or not value.isdigit():
            return []
        found = Verification.objects.filter(pk=int(value)).only("full_name").first()
        return [(value, found.full_name)] if found else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(verification_id=int(value))

    def has_output(self) -> bool:
        # Applied whenever chosen (an unknown id lists nothing), never offered otherwise.
        return self.value() is not None


def recent_actions(user: Any) -> list[AuditEvent]:
    """The member's latest audit entries (index kyc_audit_actor), for the index's sidebar."""
    events = AuditEvent.objects.filter(actor_id=user.pk).select_related("verification")
    return list(events.order_by("-created_at", "-id")[:RECENT_SHOWN])
