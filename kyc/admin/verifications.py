"""The verification list and page: status, history, KYC data, documents and staff actions.

Everything here is read-only: a state changes only through a staff action, which is
one call to kyc.services.staff (kyc/admin/actions.py). The list is built for millions
of rows: indexed filters and ordering, no full COUNT(*), and a fixed number of queries
per page whatever its size.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin import cases as case_admin
from kyc.admin.actions import (
    LIST_ACTIONS,
    MAX_BULK,
    documents_context,
    offered_actions,
    reroute_targets,
    run_detail_action,
    run_document_review,
    without_futile_actions,
)
from kyc.admin.base import (
    ActionInWords,
    GuardedActions,
    QuickCheckbox,
    ReadOnly,
    ReadOnlyInline,
    transition_text,
    username_of,
)
from kyc.admin.changelist import VerificationChangeList
from kyc.admin.dashboard import dashboard, period
from kyc.admin.display import (
    badge,
    can_see_unmasked,
    document_previews,
    kyc_data_table,
)
from kyc.admin.document_viewer import viewer_urls
from kyc.admin.duplicates import (
    IDENTITY_SEARCH_HELP,
    DuplicatesFilter,
    duplicates_html,
    identity_search,
)
from kyc.admin.export import csv_response
from kyc.admin.filters import (
    AttemptsExhaustedFilter,
    DowngradeFilter,
    EstimatedCountPaginator,
    FailureReasonFilter,
    ProviderFilter,
    StuckFilter,
)
from kyc.admin.history import AuditTrailHistory
from kyc.admin.holds import (
    OnHoldFilter,
    awaiting_approval,
    decision_badge,
    decision_text,
    hold_badge,
    hold_text,
)
from kyc.admin.layout import cut
from kyc.admin.pending import still_to_do
from kyc.models import (
    AuditEvent,
    BankAccount,
    ProviderCall,
    Status,
    Submission,
    Verification,
    WebhookEvent,
)
from kyc.providers.registry import capabilities, known
from kyc.services.access import access_record_export, access_record_view
from kyc.services.cases import with_sla
from kyc.services.figures import REFRESH_AT_MOST_EVERY, snapshot_age, snapshot_refresh
from kyc.services.staff import NOTE_MAX_LENGTH, latest_kyc_data

REFERENCE_SEARCH = re.compile(r"KYC-([0-9a-f]{8})", re.IGNORECASE)

if TYPE_CHECKING:  # the admin classes are generic only in the type stubs
    VerificationBase = admin.ModelAdmin[Verification]
else:
    VerificationBase = admin.ModelAdmin


def _field_name(name: str) -> Any:
    # The header the field had before: its own verbose name.
    field = Verification._meta.get_field(name)
    return getattr(field, "verbose_name", name)


_CAPABILITY_WORDS = (
    ("banking", gettext_lazy("verifies bank accounts")),
    ("reset", gettext_lazy("can reset")),
    ("per_document_review", gettext_lazy("reviews each document")),
    ("challenge_questions", gettext_lazy("asks challenge questions")),
    ("client_override", gettext_lazy("takes our own verification")),
)


# --- inlines of the verification page ------------------------------------------------------
class SubmissionInline(ReadOnlyInline):
    model = Submission
    fields = ("created_at", "kind", "state", "attempts", "last_error", "created_by_name", "sent_at")
    verbose_name_plural = gettext_lazy("Submissions (the data itself is under KYC data)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description=gettext_lazy("Created by"))
    def created_by_name(self, obj: Submission) -> str:
        return username_of(obj.created_by)


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


class AuditEventInline(ActionInWords, ReadOnlyInline):
    model = AuditEvent
    fields = ("created_at", "actor_name", "source", "action_shown", "transition", "note")
    verbose_name_plural = gettext_lazy("Audit trail")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=gettext_lazy("Staff member"))
    def actor_name(self, obj: AuditEvent) -> str:
        return username_of(obj.actor)

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
class VerificationAdmin(
    AuditTrailHistory, GuardedActions, QuickCheckbox, ReadOnly, VerificationBase
):
    list_display = (
        "name_shown",
        "email_shown",
        "provider",
        "status_badge",
        "case_shown",
        "sla_shown",
        "failure_reason",
        "provider_reason_shown",
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
        DowngradeFilter,
        DuplicatesFilter,
        *case_admin.FILTERS,
        OnHoldFilter,
    )
    # Each served by an index: trigram indexes for name and email (migration 0004), plain
    # ones for the identifiers, so PostgreSQL combines them instead of reading every row.
    search_fields = (
        "full_name",
        "email",
        "provider_customer_id__exact",
        "client_reference_id__exact",
    )
    search_help_text = format_lazy(
        "{} {}",
        gettext_lazy(
            "Name or email (any part), a provider customer id or client reference (whole), or "
            "the reference the applicant was given (KYC-1A2B3C4D)."
        ),
        IDENTITY_SEARCH_HELP,
    )
    date_hierarchy = "submitted_at"
    ordering = ("-status_changed_at", "-id")
    list_per_page = 100
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = [*LIST_ACTIONS, *case_admin.LIST_ACTIONS]
    inlines = (
        SubmissionInline,
        AuditEventInline,
        ProviderCallInline,
        WebhookEventInline,
        BankAccountInline,
    )
    readonly_fields = (
        "account",
        "status_badge",
        "capabilities_shown",
        "attempts",
        "time_in_status",
        "fix_needed",
        "kyc_data",
        "kyc_data_unmasked",
        "documents_preview",
        "documents_listed",
        "duplicates_shown",
        "hold_shown",
        "decision_shown",
        "awaiting_approval_shown",
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Verification], search_term: str
    ) -> tuple[QuerySet[Verification], bool]:
        """The reference shown to applicants (Verification.reference) finds its verification
        through the client reference's index: a range, not a scan. A whole identity number
        finds its holders through the blind index (kyc/admin/duplicates.py)."""
        holders = identity_search(request, queryset, search_term)
        if holders is not None:
            return holders, False
        found = REFERENCE_SEARCH.fullmatch(search_term.strip())
        if found is None:
            return super().get_search_results(request, queryset, search_term)
        prefix = f"kyc_{found.group(1).lower()}"
        matches = queryset.filter(
            client_reference_id__gte=prefix,
            client_reference_id__lt=prefix + "g",  # after every hex digit
            client_reference_id__startswith=prefix,
        )
        return matches, False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verification]:
        # Evaluated only for the rows of the page (after ORDER BY ... LIMIT).
        latest = Submission.objects.filter(verification=OuterRef("pk")).order_by("-created_at")
        queryset = (
            super()
            .get_queryset(request)
            .select_related("assignee")
            .annotate(latest_submission_state=Subquery(latest.values("state")[:1]))
        )
        return with_sla(queryset)  # the case's queue and SLA deadline (kyc/admin/cases.py)

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
                        "account",
                        "created_at",
                    )
                },
            ),
            (
                _("Provider"),
                {
                    "fields": (
                        "provider",
                        "provider_program",
                        "routed_by",
                        "provider_customer_id",
                        "client_reference_id",
                        "customer_state",
                        "customer_errors",
                        "capabilities_shown",
                    )
                },
            ),
            (
                _("Status"),
                {
                    "fields": (
                        "status_badge",
                        "failure_reason",
                        "provider_status",
                        "provider_reason",
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
            (
                _("Hold and decisions"),
                {"fields": ("hold_shown", "decision_shown", "awaiting_approval_shown")},
            ),
            (_("KYC data"), {"fields": (kyc_field,)}),
            (_("Documents"), {"fields": (documents_field,)}),
            (_("Shared identity data"), {"fields": ("duplicates_shown",)}),
        ]

    def history_verification_id(self, obj: Verification) -> int:
        return obj.pk

    # --- columns and fields ----------------------------------------------------------------
    @admin.display(description=gettext_lazy("Account"))
    def account(self, obj: Verification) -> str:
        return username_of(obj.user)  # the applicant's login, without a link to the auth app

    # Cut short in the list, whole in their title (kyc/admin/layout.py).
    @admin.display(description=_field_name("full_name"), ordering="full_name")
    def name_shown(self, obj: Verification) -> SafeString | str:
        return cut(obj.full_name)

    @admin.display(description=_field_name("email"), ordering="email")
    def email_shown(self, obj: Verification) -> SafeString | str:
        return cut(obj.email)

    @admin.display(description=_field_name("provider_reason"), ordering="provider_reason")
    def provider_reason_shown(self, obj: Verification) -> SafeString | str:
        return cut(obj.provider_reason)

    @admin.display(description=gettext_lazy("Status"), ordering="status")
    def status_badge(self, obj: Verification) -> SafeString:
        shown = format_html(
            "{} {} {}",
            badge(obj.status, obj.get_status_display()),
            decision_badge(obj),
            hold_badge(obj),
        )
        report = obj.provider_downgrade
        if not report:
            return shown
        # A downgrade the provider reports waits for staff (kyc/services/downgrades.py).
        said = dict(Status.choices).get(report["status"], report["status"])
        flag = _("the provider reports: %(status)s") % {"status": said}
        return format_html("{} {}", shown, badge("FAILED", flag))

    # Not sortable: ordering 1,000,000 rows by either would read them all (the filters
    # "case state" and "SLA breached" are indexed instead).
    @admin.display(description=gettext_lazy("Case"))
    def case_shown(self, obj: Verification) -> SafeString:
        return case_admin.case_column(obj)

    @admin.display(description=gettext_lazy("Time to breach"))
    def sla_shown(self, obj: Verification) -> SafeString | str:
        return case_admin.sla_column(obj)

    @admin.display(description=gettext_lazy("Hold"))
    def hold_shown(self, obj: Verification) -> str:
        return hold_text(obj)

    @admin.display(description=gettext_lazy("Our decision"))
    def decision_shown(self, obj: Verification) -> str:
        return decision_text(obj)

    @admin.display(description=gettext_lazy("Awaiting a second officer"))
    def awaiting_approval_shown(self, obj: Verification) -> SafeString | str:
        return awaiting_approval(obj)

    @admin.display(description=gettext_lazy("Corrections used"), ordering="corrections_used")
    def attempts(self, obj: Verification) -> str:
        if obj.corrections_allowed is None:
            return _("%(used)d (no limit of ours)") % {"used": obj.corrections_used}
        return _("%(used)d of %(max)d") % {
            "used": obj.corrections_used,
            "max": obj.corrections_allowed,
        }

    @admin.display(description=gettext_lazy("What the provider does"))
    def capabilities_shown(self, obj: Verification) -> str:
        try:
            caps = capabilities(obj.provider)
        except ImproperlyConfigured:
            return _("%s is no longer a configured provider.") % obj.provider
        said = [
            _("collects in our pages") if caps.collection == "in_app" else _("hosted collection"),
            _("webhooks: %s") % caps.webhook_auth,
        ]
        said += [str(label) for flag, label in _CAPABILITY_WORDS if getattr(caps, flag)]
        return "; ".join(said)

    @admin.display(description=gettext_lazy("In this status for"), ordering="status_changed_at")
    def time_in_status(self, obj: Verification) -> str:
        return timesince(obj.status_changed_at, depth=2)

    @admin.display(description=gettext_lazy("Latest submission"))
    def latest_submission(self, obj: Verification) -> str:
        state = getattr(obj, "latest_submission_state", None)
        return str(Submission.State(state).label) if state else "—"

    @admin.display(description=gettext_lazy("What the user must fix"))
    def fix_needed(self, obj: Verification) -> str:
        return still_to_do(obj)

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

    @admin.display(description=gettext_lazy("Other applicants with the same numbers"))
    def duplicates_shown(self, obj: Verification) -> SafeString:
        return duplicates_html(obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if request.method != "GET":
            # What is offered follows the list's filters; what is posted is each row's
            # service's to refuse (a downgrade action sent from the unfiltered list, say).
            return actions
        return without_futile_actions(actions, request.GET)

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

    def has_work_case_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "work_case")

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
            path(
                "<path:object_id>/case/<str:action>/",
                wrap(self.case_action_view),
                name="kyc_verification_case_action",
            ),
            path(
                "<path:object_id>/documents/<int:document_id>/review/",
                wrap(self.document_review_view),
                name="kyc_verification_document_review",
            ),
            *viewer_urls(self),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        verification = self.get_object(request, object_id)
        context = {**(extra_context or {}), "note_max_length": NOTE_MAX_LENGTH}
        if verification is not None and request.method == "GET" and can_see_unmasked(request.user):
            # What get_fieldsets and the bank inline show this member: recorded, not the data.
            access_record_view(
                verification=verification,
                actor=request.user,
                documents=verification.documents.all(),
            )
        if verification is not None:
            context |= case_admin.detail_context(request, verification)
        # A provider no longer configured: its data stays readable, nothing can be run.
        if verification is not None and verification.provider in known():
            context |= {
                "staff_actions": offered_actions(request.user, verification),
                "force_outcomes": capabilities(verification.provider).sandbox_outcomes,
                "reroute_providers": reroute_targets(verification),
                **documents_context(request.user, verification),
            }
        return super().change_view(request, object_id, form_url, context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), "max_bulk": MAX_BULK}
        if case_admin.refused_list_action(self, request):
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, context)

    def staff_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        return run_detail_action(self, request, object_id, action)

    def case_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        return case_admin.run_case_action(self, request, object_id, action)

    def document_review_view(
        self, request: HttpRequest, object_id: str, document_id: int
    ) -> HttpResponse:
        return run_document_review(self, request, object_id, document_id)

    def dashboard_view(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = period(request.GET.get("days"))
        if request.method == "POST":  # "Refresh now": the period's figures, computed at once
            if (waited := snapshot_age(days)) is not None and waited < REFRESH_AT_MOST_EVERY:
                # Seconds of database work at a million rows: not on every click.
                self.message_user(
                    request,
                    _("These figures were computed %(seconds)d s ago; refresh again in a minute.")
                    % {"seconds": waited},
                    messages.WARNING,
                )
                return HttpResponseRedirect(f"{request.path}?days={days}")
            snapshot = snapshot_refresh(days)
            self.message_user(
                request,
                _("The figures were computed again (in %(seconds)s s).")
                % {"seconds": f"{snapshot.seconds:.1f}"},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(f"{request.path}?days={days}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compliance dashboard"),
            "opts": self.model._meta,
            "board": dashboard(days),
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
        unmasked = can_see_unmasked(request.user)
        access_record_export(actor=request.user, unmasked=unmasked, filters=request.GET.dict())
        return csv_response(changelist.queryset, unmasked=unmasked)
