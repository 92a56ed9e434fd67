"""What every admin page of the back office shares: read-only log models and links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kyc.admin.audit_words import action_words, transition_words
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


class GuardedActions:
    """A list action posted by someone who may not run it (a forged form, a page left open
    while a role changed) is refused aloud. Django's changelist would only show the list
    again, as if nothing had been asked."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        name = request.POST.get("action") if request.method == "POST" else None
        if name and "_save" not in request.POST:
            allowed = self.get_actions(request)  # type: ignore[attr-defined]
            if name not in allowed:
                messages.error(request, _("This action cannot be run here, or not by you."))
                return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


class QuickCheckbox:
    """The list's row checkbox as Django renders it (the same markup, tested), without a form
    widget and its template per row: a hundred of them were a third of the list's time."""

    def action_checkbox(self, obj: Any) -> SafeString:
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


def username_of(user: Any) -> str:
    """A user (a staff member, an applicant) as text: a link to their admin page would
    answer staff without the auth app's permissions with a 403."""
    return user.get_username() if user is not None else "—"


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
    """From which status (or case or bank state) to which, in words."""
    return transition_words(event)


class ActionInWords:
    """The audit entry's action as staff read it (the code stays in the database)."""

    @admin.display(description=_lazy("Action"), ordering="action")
    def action_shown(self, event: AuditEvent) -> str:
        return action_words(event.action)
