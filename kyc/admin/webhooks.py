"""Webhook deliveries as they were received: raw, with secrets hidden, and reprocessable."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin.actions import MAX_BULK
from kyc.admin.base import GuardedActions, ReadOnly, verification_link
from kyc.admin.display import badge, mask
from kyc.admin.filters import EstimatedCountPaginator
from kyc.admin.history import AuditTrailHistory
from kyc.models import WebhookEvent
from kyc.providers.redaction import strip_query
from kyc.providers.registry import get_provider, known

if TYPE_CHECKING:
    WebhookEventBase = admin.ModelAdmin[WebhookEvent]
else:
    WebhookEventBase = admin.ModelAdmin

# Never stored, but masked all the same should an older row hold one.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _provider_secrets(name: str) -> frozenset[str]:
    """The provider's own secret header names (DollarPe's X-SIGNATURE, say)."""
    if name not in known():  # a provider no longer configured: mask only the generic ones
        return frozenset()
    return frozenset(h.lower() for h in get_provider(name).webhook_secret_headers)


@admin.register(WebhookEvent)
class WebhookEventAdmin(AuditTrailHistory, GuardedActions, ReadOnly, WebhookEventBase):
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

    @admin.display(description=gettext_lazy("Authenticity"))
    def signature_valid(self, obj: WebhookEvent) -> str:
        if obj.state == WebhookEvent.State.INVALID:
            return _("refused")
        if obj.state == WebhookEvent.State.RECEIVED:
            return _("not checked yet")
        return _("authentic")

    @admin.display(description=gettext_lazy("Verification"))
    def verification_name(self, obj: WebhookEvent) -> SafeString | str:
        return verification_link(obj.verification)

    @admin.display(description=gettext_lazy("Headers (secrets hidden)"))
    def headers_shown(self, obj: WebhookEvent) -> SafeString:
        secret = SECRET_HEADERS | _provider_secrets(obj.provider)
        headers = {
            name: mask(value) if name.lower() in secret else value
            for name, value in (obj.headers or {}).items()
        }
        return format_html(
            "<pre>{}</pre>", json.dumps(headers, indent=2, sort_keys=True, ensure_ascii=False)
        )

    @admin.display(description=gettext_lazy("Raw body"))
    def body_shown(self, obj: WebhookEvent) -> SafeString:
        try:
            # Links lose their query: a provider's signed link (a document gatherer's
            # session token, say) is not for staff to open.
            text = json.dumps(
                _links_without_query(json.loads(obj.body)),
                indent=2,
                sort_keys=True,
                ensure_ascii=False,
            )
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
        # Imported when used: processing loads provider code the admin does not otherwise need.
        from kyc.webhooks.processing import WebhookReprocessRefused, webhook_reprocess

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


def _links_without_query(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _links_without_query(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_links_without_query(item) for item in value]
    if isinstance(value, str) and value.startswith(("http://", "https://")) and "?" in value:
        return strip_query(value) + "?(query hidden)"
    return value
