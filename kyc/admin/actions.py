"""Staff actions in the admin: list actions and detail-page buttons, each one service call.

A button is offered only to staff holding its permission, and the view refuses a
POST without it, so hiding a button is never the only protection. The reset (it
cannot be undone at the provider, and needs a reason) and the resubmission (it
spends one of the user's attempts) ask for confirmation first, on a page of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kyc.admin import holds
from kyc.models import (
    ApprovalRequest,
    DecisionReason,
    HoldReason,
    ProviderDocument,
    StaffDecision,
    Status,
    Submission,
    Verification,
)
from kyc.providers import registry
from kyc.providers.interface import DocumentReviewProvider
from kyc.services import customer_retry, staff
from kyc.services.approvals import approval_request, pending_requests
from kyc.services.corrections import fixable
from kyc.services.customers import routing_frozen
from kyc.services.staff import StaffActionRefused, StaffResult
from kyc.services.submissions import submission_allowed

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.utils.functional import _StrOrPromise as StrOrPromise

    VerificationAdminBase = ModelAdmin[Verification]
else:
    VerificationAdminBase = admin.ModelAdmin

Confirmation = Callable[..., TemplateResponse]  # (model_admin, request, verifications, single=)

# Each selected row may call the provider: a bulk action is capped to stay a request.
MAX_BULK = 100
FAILURES_SHOWN = 5


@dataclass(frozen=True)
class DetailAction:
    name: str
    label: Any
    permission: str  # codename in the kyc app
    run: Callable[[HttpRequest, Verification], StaffResult]
    takes_note: bool = False
    # The page that asks to confirm first (reset_confirmation, resubmit_confirmation).
    confirmation: Confirmation | None = None
    # A page of its own that asks for the action's values and a confirmation first.
    form_template: str = ""
    # Whether it applies to this verification at all (what its provider can do, say).
    applies: Callable[[Verification], bool] = lambda verification: True
    # Whether it can work in the verification's state now: the button is offered only then.
    possible: Callable[[Verification], bool] = lambda verification: True

    @property
    def confirm(self) -> bool:
        return self.confirmation is not None


def can_reset(verification: Verification) -> bool:
    return registry.capabilities(verification.provider).reset


def can_override(verification: Verification) -> bool:
    caps = registry.capabilities(verification.provider)
    return caps.client_override and bool(verification.provider_customer_id)


def can_force(verification: Verification) -> bool:
    return bool(registry.capabilities(verification.provider).sandbox_outcomes)


def in_app(verification: Verification) -> bool:
    """Our pages collected the data: there is a stored submission to send again."""
    return registry.capabilities(verification.provider).collection == "in_app"


# What each button needs of the verification's state: the checks its service makes before
# it calls anyone, so a button is offered only where it can work (the table of cases is in
# tests/admin/test_defects.py). A POST past them still reaches the service, which refuses.
def has_customer(verification: Verification) -> bool:
    return bool(verification.provider_customer_id)


def reset_possible(verification: Verification) -> bool:
    """Something to reset, and no reset of it already waiting for a second officer (the
    page shows that request instead)."""
    return (
        has_customer(verification)
        and verification.status != Status.UNVERIFIED
        and not pending_requests()
        .filter(action=ApprovalRequest.Action.RESET, verifications=verification)
        .exists()
    )


def override_possible(verification: Verification) -> bool:
    return verification.status != Status.VERIFIED


def retry_possible(verification: Verification) -> bool:
    """The latest submission is one staff_retry_submission sends again: refused by the
    provider (and a new one could be made now), queued, or stuck in sending."""
    latest = verification.submissions.order_by("-created_at").first()
    if latest is None:
        return False
    if latest.state == Submission.State.REJECTED:
        return submission_allowed(verification, latest.kind, staff=True)
    return staff.requeueable(latest)


def resubmission_request_possible(verification: Verification) -> bool:
    return fixable(verification)


def resubmit_possible(verification: Verification) -> bool:
    return not staff.resubmit_plan(verification).refusal


def reroute_targets(verification: Verification) -> list[tuple[str, str]]:
    """(name, label) of the enabled providers this applicant could still be sent to."""
    if routing_frozen(verification):
        return []
    others = [name for name in registry.enabled() if name != verification.provider]
    return [(name, registry.get_provider(name).label) for name in others]


def _note(request: HttpRequest) -> str:
    return request.POST.get("note", "")


# --- confirmation pages ----------------------------------------------------------------
def confirmation_page(
    model_admin: VerificationAdminBase,
    request: HttpRequest,
    action_name: str,
    title: StrOrPromise,
    verifications: list[Verification],
    *,
    single: bool,
    **values: Any,
) -> TemplateResponse:
    """A page like the admin's delete confirmation: what will happen, then Yes or No. Its form
    posts the detail action `action_name` again, or the list action `<action_name>_selected`."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "single": single,
        "verifications": verifications,
        "action_name": action_name,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        **values,
    }
    template = f"admin/kyc/verification/{action_name}_confirmation.html"
    return TemplateResponse(request, template, context)


def reset_confirmation(
    model_admin: VerificationAdminBase,
    request: HttpRequest,
    verifications: list[Verification],
    *,
    single: bool,
) -> TemplateResponse:
    return confirmation_page(
        model_admin,
        request,
        "reset",
        _("Request approval to reset KYC?"),
        verifications,
        single=single,
        note_max_length=staff.NOTE_MAX_LENGTH,
        note=request.POST.get("note", ""),
    )


@dataclass(frozen=True)
class PlannedResubmission:
    verification: Verification
    plan: staff.ResubmitPlan

    @property
    def left_after(self) -> int | None:
        """Correction attempts the user keeps once this one is spent (None: no limit)."""
        left = self.verification.corrections_left
        return None if left is None else max(left - 1, 0)


def resubmit_confirmation(
    model_admin: VerificationAdminBase,
    request: HttpRequest,
    verifications: list[Verification],
    *,
    single: bool,
) -> TemplateResponse:
    """Each selected verification with what would be sent, the attempt it spends, or why not."""
    planned = [PlannedResubmission(v, staff.resubmit_plan(v)) for v in verifications]
    return confirmation_page(
        model_admin,
        request,
        "resubmit",
        _("Resubmit the stored data?") if single else _("Request approval: resubmit?"),
        verifications,
        single=single,
        planned=planned,
        sendable=any(not item.plan.refusal for item in planned),
        note_max_length=staff.NOTE_MAX_LENGTH,
        note=request.POST.get("note", ""),
    )


DETAIL_ACTIONS = {
    action.name: action
    for action in (
        DetailAction(
            "refresh",
            gettext_lazy("Refresh status from the provider"),
            "refresh_verification",
            lambda request, v: staff.staff_refresh(verification_id=v.pk, actor=request.user),
            possible=has_customer,
        ),
        DetailAction(
            "retry_customer",
            gettext_lazy("Ask the provider again to create the customer"),
            "retry_submission",
            lambda request, v: customer_retry.staff_retry_customer(
                verification_id=v.pk, actor=request.user
            ),
            possible=customer_retry.profile_refused,
        ),
        DetailAction(
            "request_profile_correction",
            gettext_lazy("Ask the user to correct the profile"),
            "request_resubmission",
            lambda request, v: customer_retry.staff_request_profile_correction(
                verification_id=v.pk, actor=request.user, note=_note(request)
            ),
            takes_note=True,
            possible=customer_retry.profile_refused,
        ),
        DetailAction(
            "retry",
            gettext_lazy("Retry the latest submission"),
            "retry_submission",
            lambda request, v: staff.staff_retry_submission(
                verification_id=v.pk, actor=request.user
            ),
            applies=in_app,
            possible=retry_possible,
        ),
        DetailAction(
            "request_resubmission",
            gettext_lazy("Ask the user to resubmit"),
            "request_resubmission",
            lambda request, v: staff.staff_request_resubmission(
                verification_id=v.pk, actor=request.user, note=_note(request)
            ),
            takes_note=True,
            applies=in_app,
            possible=resubmission_request_possible,
        ),
        DetailAction(
            "resubmit",
            gettext_lazy("Resubmit the stored data"),
            "resubmit_verification",
            lambda request, v: staff.staff_resubmit(verification_id=v.pk, actor=request.user),
            confirmation=resubmit_confirmation,
            applies=in_app,
            possible=resubmit_possible,
        ),
        DetailAction(
            "reset",
            gettext_lazy("Reset KYC"),
            "reset_verification",
            holds.run_reset_request,  # four eyes: asks, a second officer approves
            takes_note=True,
            confirmation=reset_confirmation,
            applies=can_reset,
            possible=reset_possible,
        ),
        DetailAction(
            "force_outcome",
            gettext_lazy("Force an outcome (sandbox)"),
            "force_outcome",
            lambda request, v: staff.staff_force_outcome(
                verification_id=v.pk, actor=request.user, outcome=request.POST.get("outcome", "")
            ),
            applies=can_force,
            possible=has_customer,
        ),
        DetailAction(
            "reroute",
            gettext_lazy("Send to another provider"),
            "reroute_verification",
            lambda request, v: staff.staff_reroute(
                verification_id=v.pk, actor=request.user, provider=request.POST.get("provider", "")
            ),
            applies=lambda v: bool(reroute_targets(v)),
        ),
        DetailAction(
            "client_override",
            gettext_lazy("Record our own verification"),
            "client_override",
            lambda request, v: staff.staff_client_override(
                verification_id=v.pk,
                actor=request.user,
                verifier=request.POST.get("verifier", ""),
                reference=request.POST.get("reference", ""),
                level=request.POST.get("level", ""),
                verified_on=request.POST.get("verified_on", ""),
            ),
            form_template="admin/kyc/verification/client_override.html",
            applies=can_override,
            possible=override_possible,
        ),
        DetailAction(
            "hold",
            gettext_lazy("Put on hold"),
            "hold_verification",
            holds.run_hold,
            form_template="admin/kyc/verification/hold_form.html",
            applies=holds.not_held,
        ),
        DetailAction(
            "lift_hold",
            gettext_lazy("Lift the hold"),
            "hold_verification",
            holds.run_lift,
            form_template="admin/kyc/verification/lift_hold_form.html",
            applies=holds.on_hold,
        ),
        DetailAction(
            "decide",
            gettext_lazy("Our own decision (approve or reject)"),
            "decide_verification",
            holds.run_decision_request,
            form_template="admin/kyc/verification/decision_form.html",
        ),
        DetailAction(
            "add_note",
            gettext_lazy("Add a note"),
            "add_note",
            lambda request, v: staff.staff_add_note(
                verification_id=v.pk, actor=request.user, note=_note(request)
            ),
            takes_note=True,
        ),
    )
}


def offered(action: DetailAction, user: Any, verification: Verification) -> bool:
    return bool(user.has_perm(f"kyc.{action.permission}")) and action.applies(verification)


def offered_actions(user: Any, verification: Verification) -> list[DetailAction]:
    """The buttons of the verification page: permitted, applicable, and possible now."""
    return [
        action
        for action in DETAIL_ACTIONS.values()
        if offered(action, user, verification) and action.possible(verification)
    ]


def report(request: HttpRequest, result: StaffResult) -> None:
    level = messages.SUCCESS if result.done else messages.WARNING
    messages.add_message(request, level, result.message)


def run_detail_action(
    model_admin: VerificationAdminBase, request: HttpRequest, object_id: str, name: str
) -> HttpResponse:
    """The view behind every detail-page button (POST; the reset shows a confirmation first)."""
    action = DETAIL_ACTIONS.get(name)
    verification = model_admin.get_object(request, object_id)
    if action is None or verification is None:
        raise Http404
    if not offered(action, request.user, verification):
        raise PermissionDenied
    confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
    if action.form_template and not confirmed:
        return action_form(model_admin, request, verification, action)
    if action.confirmation and not confirmed:
        return action.confirmation(model_admin, request, [verification], single=True)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    try:
        report(request, action.run(request, verification))
    except StaffActionRefused as exc:
        messages.error(request, str(exc))
        if action.confirmation:  # asked again, with what was wrong
            return action.confirmation(model_admin, request, [verification], single=True)
    return HttpResponseRedirect(reverse("admin:kyc_verification_change", args=[verification.pk]))


# --- the provider's documents -------------------------------------------------------------
REVIEW_PERMISSION = "kyc.review_provider_document"


def may_review_documents(user: Any, verification: Verification) -> bool:
    caps = registry.capabilities(verification.provider)
    return caps.staff_document_review and bool(user.has_perm(REVIEW_PERMISSION))


def documents_context(user: Any, verification: Verification) -> dict[str, Any]:
    """What the verification page shows of the provider's own documents, and who may decide."""
    if not registry.capabilities(verification.provider).per_document_review:
        return {}
    documents = list(verification.provider_documents.order_by("-created_at", "-pk"))
    provider = registry.get_provider(verification.provider)
    reviewer = may_review_documents(user, verification) and isinstance(
        provider, DocumentReviewProvider
    )
    return {
        "provider_documents": documents,
        "may_review_documents": reviewer,
        "rejection_choices": provider.rejection_choices() if reviewer else [],  # type: ignore[attr-defined]
    }


def provider_document_posted(
    model_admin: VerificationAdminBase, request: HttpRequest, object_id: str, document_id: int
) -> tuple[Verification, ProviderDocument] | HttpResponse:
    """The verification and its provider document a review POST is about: 404 when either is
    not there, 403 without the review permission, 405 for anything but a POST."""
    verification = model_admin.get_object(request, object_id)
    if verification is None:
        raise Http404
    document = ProviderDocument.objects.filter(pk=document_id, verification=verification).first()
    if document is None:
        raise Http404
    if not may_review_documents(request.user, verification):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    return verification, document


def run_document_review(
    model_admin: VerificationAdminBase, request: HttpRequest, object_id: str, document_id: int
) -> HttpResponse:
    """Accept or refuse one of the provider's documents (POST, with the review permission)."""
    found = provider_document_posted(model_admin, request, object_id, document_id)
    if isinstance(found, HttpResponse):
        return found
    verification, document = found
    decision = request.POST.get("decision", "")
    if decision not in ("accept", "reject"):
        messages.error(request, _("Choose to accept or to refuse the document."))
    else:
        allowed = {
            code
            for code, _label in documents_context(request.user, verification).get(
                "rejection_choices", []
            )
        }
        reason = request.POST.get("reason", "")
        try:
            if decision == "reject" and reason not in allowed:
                raise StaffActionRefused(_("Choose why the document is refused."))
            result = staff.staff_review_document(
                document_id=document.pk,
                actor=request.user,
                accept=decision == "accept",
                reason=reason,
                message=request.POST.get("message", ""),
            )
        except StaffActionRefused as exc:
            messages.error(request, str(exc))
        else:
            report(request, result)
    return HttpResponseRedirect(reverse("admin:kyc_verification_change", args=[verification.pk]))


def action_form(
    model_admin: VerificationAdminBase,
    request: HttpRequest,
    verification: Verification,
    action: DetailAction,
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": action.label,
        "opts": model_admin.model._meta,
        "verification": verification,
        "action": action,
        "provider_label": registry.get_provider(verification.provider).label,
        "hold_reasons": HoldReason.choices,
        "decisions": StaffDecision.choices,
        "decision_reasons": DecisionReason.choices,
    }
    return TemplateResponse(request, action.form_template, context)


# --- list actions ------------------------------------------------------------------------
def run_bulk(
    model_admin: VerificationAdminBase,
    request: HttpRequest,
    queryset: QuerySet[Verification],
    call: Callable[[int], StaffResult],
) -> None:
    rows = list(queryset.values_list("pk", "full_name")[: MAX_BULK + 1])
    if len(rows) > MAX_BULK:
        message = _("Select at most %(max)d verifications for this action.") % {"max": MAX_BULK}
        model_admin.message_user(request, message, messages.ERROR)
        return
    failures = []
    for pk, name in rows:
        result = call(pk)
        if not result.done:
            failures.append(f"{name}: {result.message}")
    done = len(rows) - len(failures)
    summary = ngettext(
        "%(done)d of %(total)d verification done.",
        "%(done)d of %(total)d verifications done.",
        len(rows),
    ) % {"done": done, "total": len(rows)}
    model_admin.message_user(request, summary, messages.SUCCESS if done else messages.WARNING)
    for failure in failures[:FAILURES_SHOWN]:
        model_admin.message_user(request, failure, messages.WARNING)


BulkAction = Callable[[Any, HttpRequest, QuerySet[Verification]], None]


def bulk_action(
    name: str, service: Callable[..., StaffResult], description: StrOrPromise, permission: str
) -> BulkAction:
    """A changelist action that runs one staff service per selected verification."""

    @admin.action(description=description, permissions=[permission])
    def action(
        model_admin: VerificationAdminBase, request: HttpRequest, queryset: QuerySet[Verification]
    ) -> None:
        run_bulk(
            model_admin,
            request,
            queryset,
            lambda pk: service(verification_id=pk, actor=request.user),
        )

    action.__name__ = name  # the admin identifies an action by its function's name
    return action


refresh_selected = bulk_action(
    "refresh_selected",
    staff.staff_refresh,
    gettext_lazy("Refresh status from the provider"),
    "refresh",
)
retry_selected = bulk_action(
    "retry_selected",
    staff.staff_retry_submission,
    gettext_lazy("Retry the latest submission"),
    "retry",
)
request_resubmission_selected = bulk_action(
    "request_resubmission_selected",
    staff.staff_request_resubmission,
    gettext_lazy("Ask the users to resubmit"),
    "request_resubmission",
)


def _selection(
    model_admin: VerificationAdminBase, request: HttpRequest, queryset: QuerySet[Verification]
) -> list[Verification] | None:
    """The selected verifications for a confirmation page, or None (and why) past the cap."""
    selected = list(queryset.order_by("pk")[: MAX_BULK + 1])
    if len(selected) > MAX_BULK:
        message = _("Select at most %(max)d verifications for this action.") % {"max": MAX_BULK}
        model_admin.message_user(request, message, messages.ERROR)
        return None
    return selected


def confirmed_bulk(
    confirmation: Confirmation,
    model_admin: VerificationAdminBase,
    request: HttpRequest,
    queryset: QuerySet[Verification],
) -> HttpResponse | None:
    """None once confirmed (the caller goes on); else the confirmation page, whose form
    posts the same action again with confirm=yes (or nothing, past the cap)."""
    if request.POST.get("confirm") == "yes":
        return None
    selected = _selection(model_admin, request, queryset)
    if selected is None:
        return HttpResponseRedirect(request.get_full_path())
    return confirmation(model_admin, request, selected, single=False)


@admin.action(description=gettext_lazy("Resubmit the stored data…"), permissions=["resubmit"])
def resubmit_selected(
    model_admin: VerificationAdminBase, request: HttpRequest, queryset: QuerySet[Verification]
) -> HttpResponse | None:
    """Shows what each would send and the attempt it spends first, then asks a second
    officer to approve it (four eyes: a bulk action)."""
    page = confirmed_bulk(resubmit_confirmation, model_admin, request, queryset)
    if page is not None:
        return page
    return request_bulk_approval(
        model_admin, request, queryset, ApprovalRequest.Action.RESUBMIT, resubmit_confirmation
    )


@admin.action(description=gettext_lazy("Reset KYC…"), permissions=["reset"])
def reset_selected(
    model_admin: VerificationAdminBase, request: HttpRequest, queryset: QuerySet[Verification]
) -> HttpResponse | None:
    """Shows a confirmation page, with the reason to give, first, then asks a second
    officer to approve the reset (four eyes)."""
    page = confirmed_bulk(reset_confirmation, model_admin, request, queryset)
    if page is not None:
        return page
    return request_bulk_approval(
        model_admin, request, queryset, ApprovalRequest.Action.RESET, reset_confirmation
    )


def request_bulk_approval(
    model_admin: VerificationAdminBase,
    request: HttpRequest,
    queryset: QuerySet[Verification],
    action: str,
    confirmation: Confirmation,
) -> HttpResponse | None:
    """One approval request for the whole selection; asked again, with why, when refused."""
    selected = _selection(model_admin, request, queryset)
    if selected is None:
        return None
    try:
        result = approval_request(
            action=action,
            verification_ids=[v.pk for v in selected],
            actor=request.user,
            reason=request.POST.get("note", ""),
        )
    except StaffActionRefused as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        return confirmation(model_admin, request, selected, single=False)
    model_admin.message_user(
        request, result.message, messages.SUCCESS if result.done else messages.WARNING
    )
    return None


accept_downgrade_selected = bulk_action(
    "accept_downgrade_selected",
    staff.staff_accept_downgrade,
    gettext_lazy("Apply the downgrade the provider reports"),
    "reset",
)
dismiss_downgrade_selected = bulk_action(
    "dismiss_downgrade_selected",
    staff.staff_dismiss_downgrade,
    gettext_lazy("Dismiss the provider's downgrade (stays verified)"),
    "reset",
)

LIST_ACTIONS = [
    refresh_selected,
    retry_selected,
    request_resubmission_selected,
    resubmit_selected,
    reset_selected,
    accept_downgrade_selected,
    dismiss_downgrade_selected,
]

# List actions that can work only on some rows: offered where the list shows such rows (by
# its filters), so an officer is not offered what would fail on every row selected.
DOWNGRADE_ACTIONS = ("accept_downgrade_selected", "dismiss_downgrade_selected")
FAILED_ONLY_ACTIONS = ("request_resubmission_selected", "resubmit_selected")


def without_futile_actions(actions: dict[str, Any], query: Any) -> dict[str, Any]:
    status = query.get("status__exact")
    futile: list[str] = []
    if query.get("downgrade") != "reported":
        futile += DOWNGRADE_ACTIONS
    if status is not None and status != Status.FAILED:
        futile += FAILED_ONLY_ACTIONS
    if status == Status.UNVERIFIED:
        futile.append("reset_selected")
    return {name: action for name, action in actions.items() if name not in futile}
