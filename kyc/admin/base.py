"""What every admin page of the back office shares: read-only log models and links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kyc.models import AuditEvent, Verification

if TYPE_CHECKING:  # the admin classes are generic only in the type stubs
    InlineBase = admin.TabularInline[Any, Any]
else:
    InlineBase = admin.TabularInline


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
