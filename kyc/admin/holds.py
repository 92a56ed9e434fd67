"""Holds, our own decisions and the requests awaiting a second officer, on the verification
list and page. Each button is one service call (kyc/services/holds.py, approvals.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin.display import badge
from kyc.models import ApprovalRequest, Verification
from kyc.services.approvals import approval_request, pending_requests
from kyc.services.holds import hold_lift, hold_place
from kyc.services.readiness import on_hold
from kyc.services.staff import StaffResult


def _post(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")


def run_hold(request: HttpRequest, verification: Verification) -> StaffResult:
    return hold_place(
        verification_id=verification.pk,
        actor=request.user,
        reason=_post(request, "reason"),
        note=_post(request, "note"),
    )


def run_lift(request: HttpRequest, verification: Verification) -> StaffResult:
    return hold_lift(
        verification_id=verification.pk, actor=request.user, note=_post(request, "note")
    )


def run_decision_request(request: HttpRequest, verification: Verification) -> StaffResult:
    return approval_request(
        action=ApprovalRequest.Action.DECISION,
        verification_ids=[verification.pk],
        actor=request.user,
        reason=_post(request, "note"),
        parameters={
            "decision": _post(request, "decision"),
            "decision_reason": _post(request, "decision_reason"),
        },
    )


def run_reset_request(request: HttpRequest, verification: Verification) -> StaffResult:
    return approval_request(
        action=ApprovalRequest.Action.RESET,
        verification_ids=[verification.pk],
        actor=request.user,
        reason=_post(request, "note"),
    )


def not_held(verification: Verification) -> bool:
    return not on_hold(verification)


def hold_badge(obj: Verification) -> SafeString | str:
    """ "On hold" beside the status, on the list and the page (no query: fields of the row)."""
    if obj.held_at is None:
        return ""
    return badge("FAILED", _("On hold: %s") % obj.get_hold_reason_display())


def decision_badge(obj: Verification) -> SafeString | str:
    if not obj.staff_decision:
        return ""
    state = "VERIFIED" if obj.staff_decision == "approved" else "FAILED"
    return badge(state, obj.get_staff_decision_display())


class OnHoldFilter(admin.SimpleListFilter):
    """Served by the partial index kyc_on_hold (rows on hold, in the list's order)."""

    title = gettext_lazy("hold")
    parameter_name = "on_hold"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("On hold"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Verification]) -> Any:
        if self.value() == "yes":
            return queryset.filter(held_at__isnull=False)
        return queryset


def moment(value: datetime) -> str:
    """As the admin shows every other date and time: local time, the language's format."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def hold_text(obj: Verification) -> str:
    if obj.held_at is None:
        return _("Not on hold")
    who = obj.held_by.get_username() if obj.held_by else "—"
    return _("On hold since %(when)s by %(who)s: %(reason)s. %(note)s") % {
        "when": moment(obj.held_at),
        "who": who,
        "reason": obj.get_hold_reason_display(),
        "note": obj.hold_note,
    }


def decision_text(obj: Verification) -> str:
    """Ours beside the provider's: both are shown, ours is what readiness follows."""
    provider_said = obj.get_status_display()
    if not obj.staff_decision:
        return _("None of ours: the provider's (%s) stands.") % provider_said
    who = obj.staff_decided_by.get_username() if obj.staff_decided_by else "—"
    when = moment(obj.staff_decided_at) if obj.staff_decided_at else "—"
    return _(
        "%(decision)s (%(reason)s) by %(who)s on %(when)s: %(note)s — the provider says "
        "%(provider)s; ours is what counts."
    ) % {
        "decision": obj.get_staff_decision_display(),
        "reason": obj.get_staff_decision_reason_display(),
        "who": who,
        "when": when,
        "note": obj.staff_decision_note,
        "provider": provider_said,
    }


def awaiting_approval(obj: Verification) -> SafeString | str:
    """The requests on this verification awaiting a second officer, linked to the page
    where they are approved or rejected."""
    waiting = list(
        pending_requests().filter(verifications=obj).select_related("requested_by").order_by("pk")
    )
    if not waiting:
        return "—"
    url = reverse("admin:kyc_approvalrequest_pending")
    rows = format_html_join(
        "",
        '<li>{} <a href="{}#request-{}">#{} {}</a> — {} ({})</li>',
        (
            (
                badge("PROCESSING", _("Awaiting approval")),
                url,
                r.pk,
                r.pk,
                r.get_action_display(),
                r.requested_by.get_username() if r.requested_by else "—",
                r.reason,
            )
            for r in waiting
        ),
    )
    return format_html('<ul class="kyc-awaiting">{}</ul>', rows)
