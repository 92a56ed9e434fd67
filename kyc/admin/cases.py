"""The verification list and page as work queues: who has each case, its state, its SLA.

Filters (each served by an index: kyc_case_assignee, kyc_case_state, kyc_case_active_opened),
the case and SLA columns (annotated in the list's one query: kyc.services.cases.with_sla),
and the claim / assign / release actions, on the page and on the list. Each action is one
call to kyc/services/cases.py; only staff with the work_case permission are offered them,
and a POST without it is refused with a message.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kyc.models import CaseState, Verification
from kyc.services import cases
from kyc.services.cases import CaseResult

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    VerificationAdminBase = ModelAdmin[Verification]
else:
    VerificationAdminBase = admin.ModelAdmin

MAX_BULK = 100
PERMISSION = "work_case"  # codename; the list actions' has_work_case_permission
CASE_BADGES: dict[str, str] = {
    CaseState.OPEN: "wait",
    CaseState.IN_REVIEW: "wait",
    CaseState.WAITING: "none",
    CaseState.ON_HOLD: "bad",
    CaseState.RESOLVED: "ok",
}
CASE_ACTIONS = ("claim", "release", "assign")


# --- filters ------------------------------------------------------------------------------------
class AssigneeFilter(admin.SimpleListFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        choices: list[tuple[str, Any]] = [
            ("me", _("Assigned to me")),
            ("none", _("Unassigned")),
        ]
        workers = cases.case_workers().values_list("pk", "username")
        return choices + [(str(pk), name) for pk, name in workers]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user.pk)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee=int(value))
        return queryset


class CaseStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("case state")
    parameter_name = "case"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(CaseState.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() in CaseState.values:
            return queryset.filter(case_state=self.value())
        return queryset


class QueueFilter(admin.SimpleListFilter):
    """A queue's open cases, or every open case past its queue's SLA."""

    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        listed = [
            (queue.key, _("%(queue)s (SLA %(hours)s h)") % _sla_words(queue))
            for queue in cases.queues()
        ]
        return [("breached", _("SLA breached")), *listed]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value == "breached":
            return queryset.filter(cases.breached())
        queue = cases.queue_named(value or "")
        return queryset.filter(queue.cases) if queue else queryset


def _sla_words(queue: cases.Queue) -> dict[str, Any]:
    return {"queue": queue.label, "hours": f"{queue.sla.total_seconds() / 3600:g}"}


FILTERS = (AssigneeFilter, CaseStateFilter, QueueFilter)


# --- columns ------------------------------------------------------------------------------------
def case_column(obj: Verification) -> SafeString:
    """The case state and who has it (assignee select_related by the list's query)."""
    state = badge_of(obj.case_state)
    who = obj.assignee.get_username() if obj.assignee_id and obj.assignee else _("nobody")
    return format_html("{}<br><small>{}</small>", state, who)


def badge_of(state: str) -> SafeString:
    label = CaseState(state).label if state in CaseState.values else state
    kind = CASE_BADGES.get(state, "none")
    return format_html('<span class="kyc-badge kyc-badge--{}">{}</span>', kind, label)


def sla_column(obj: Verification, now: datetime | None = None) -> SafeString | str:
    """Time to breach of the case's queue; a breached one in red, with how long ago."""
    due = getattr(obj, "case_due_at", None)
    if due is None:
        return "—"
    now = now or timezone.now()
    queue = cases.queue_named(getattr(obj, "case_queue", ""))
    label = queue.label if queue else ""
    if due <= now:
        late = _("%(ago)s ago") % {"ago": timesince(due, now, depth=1)}
        return format_html(
            '<span class="kyc-badge kyc-badge--bad kyc-sla--breached">{}</span>'
            "<br><small>{} · {}</small>",
            _("SLA breached"),
            late,
            label,
        )
    left = _("%(left)s left") % {"left": timeuntil(due, now, depth=1)}
    return format_html('<span class="kyc-sla">{}</span><br><small>{}</small>', left, label)


# --- actions ------------------------------------------------------------------------------------
def may_act(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(f"kyc.{PERMISSION}"))


def report(request: HttpRequest, result: CaseResult) -> None:
    messages.add_message(
        request, messages.SUCCESS if result.done else messages.WARNING, result.message
    )


def refuse(request: HttpRequest) -> None:
    messages.error(request, _("You may not claim, assign or release cases."))


def chosen_assignee(request: HttpRequest) -> Any:
    value = request.POST.get("assignee", "")
    if not value.isdigit():
        return None
    return get_user_model().objects.filter(pk=int(value)).first()


def run_case_action(
    model_admin: VerificationAdminBase, request: HttpRequest, object_id: str, name: str
) -> HttpResponse:
    """The view behind the case buttons of the verification page (POST only)."""
    verification = model_admin.get_object(request, object_id)
    if verification is None or name not in CASE_ACTIONS:
        raise Http404
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    if not may_act(request):
        refuse(request)
    else:
        report(request, _run(name, request, verification))
    return HttpResponseRedirect(reverse("admin:kyc_verification_change", args=[verification.pk]))


def _run(name: str, request: HttpRequest, verification: Verification) -> CaseResult:
    note = request.POST.get("note", "").strip()[:2000]
    if name == "claim":
        return cases.case_claim(verification=verification, actor=request.user, note=note)
    if name == "release":
        return cases.case_release(verification=verification, actor=request.user, note=note)
    return cases.case_assign(
        verification=verification,
        actor=request.user,
        assignee=chosen_assignee(request),
        note=note,
    )


def detail_context(request: HttpRequest, verification: Verification) -> dict[str, Any]:
    """What the page's case panel shows: state, assignee, SLA, and the buttons if allowed."""
    annotated = cases.with_sla(Verification.objects.filter(pk=verification.pk))
    row = annotated.select_related("assignee").first()
    if row is None:
        return {}
    return {
        "case": row,
        "case_state_badge": badge_of(row.case_state),
        "case_sla": sla_column(row),
        "case_may_act": may_act(request),
        "case_workers": list(cases.case_workers()) if may_act(request) else [],
    }


def _bulk(
    model_admin: VerificationAdminBase,
    request: HttpRequest,
    queryset: QuerySet[Verification],
    call: Any,
) -> None:
    rows = list(queryset.order_by("pk")[: MAX_BULK + 1])
    if len(rows) > MAX_BULK:
        message = _("Select at most %(max)d verifications for this action.") % {"max": MAX_BULK}
        model_admin.message_user(request, message, messages.ERROR)
        return
    results = [call(verification) for verification in rows]
    done = sum(1 for result in results if result.done)
    summary = ngettext(
        "%(done)d of %(total)d case done.", "%(done)d of %(total)d cases done.", len(rows)
    ) % {"done": done, "total": len(rows)}
    model_admin.message_user(request, summary, messages.SUCCESS if done else messages.WARNING)
    for result in [r for r in results if not r.done][:5]:
        model_admin.message_user(request, result.message, messages.WARNING)


@admin.action(description=gettext_lazy("Claim the cases"), permissions=[PERMISSION])
def claim_selected(
    model_admin: VerificationAdminBase, request: HttpRequest, queryset: QuerySet[Verification]
) -> None:
    _bulk(
        model_admin,
        request,
        queryset,
        lambda v: cases.case_claim(verification=v, actor=request.user),
    )


@admin.action(description=gettext_lazy("Release the cases"), permissions=[PERMISSION])
def release_selected(
    model_admin: VerificationAdminBase, request: HttpRequest, queryset: QuerySet[Verification]
) -> None:
    _bulk(
        model_admin,
        request,
        queryset,
        lambda v: cases.case_release(verification=v, actor=request.user),
    )


@admin.action(description=gettext_lazy("Assign the cases to…"), permissions=[PERMISSION])
def assign_selected(
    model_admin: VerificationAdminBase, request: HttpRequest, queryset: QuerySet[Verification]
) -> HttpResponse | None:
    """Asks whom to first (a page of its own), then assigns each selected case."""
    if request.POST.get("confirm") != "yes":
        selected = list(queryset.order_by("pk")[: MAX_BULK + 1])
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("Assign the cases to…"),
            "opts": model_admin.model._meta,
            "verifications": selected[:MAX_BULK],
            "too_many": len(selected) > MAX_BULK,
            "single": False,
            "action_name": "assign",
            "workers": cases.case_workers(),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/kyc/verification/case_assign.html", context)
    assignee = chosen_assignee(request)
    _bulk(
        model_admin,
        request,
        queryset,
        lambda v: cases.case_assign(verification=v, actor=request.user, assignee=assignee),
    )
    return None


LIST_ACTIONS = [claim_selected, assign_selected, release_selected]
LIST_ACTION_NAMES = {action.__name__ for action in LIST_ACTIONS}


def refused_list_action(model_admin: VerificationAdminBase, request: HttpRequest) -> bool:
    """A case list action posted by someone who may not run it (a forged form, a page left
    open while a role changed): refused aloud, where Django would only show the list again."""
    if request.method != "POST" or request.POST.get("action") not in LIST_ACTION_NAMES:
        return False
    if may_act(request):
        return False
    refuse(request)
    return True
