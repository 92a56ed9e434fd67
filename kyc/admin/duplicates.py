"""Duplicates in the admin: the "has duplicates" filter, the verification page's list of
applicants sharing an identity number, and the search by a whole identity number.

Only kinds and links are shown, to every staff member alike: the numbers themselves are
in the masked or unmasked KYC data, never here. The search hashes the typed term
(kyc/services/duplicates.py) and is open to those who may see identity data unmasked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin.display import badge, can_see_unmasked
from kyc.models import Verification
from kyc.services.duplicates import Refusal, Shared, duplicates_of, duplicates_search

IDENTITY_SEARCH_HELP = gettext_lazy(
    "Officers: a whole tax number, document number, phone, email, account number or UPI ID "
    "finds its holders."
)


class DuplicatesFilter(admin.SimpleListFilter):
    """Served by the partial index kyc_has_duplicates (the list's own order)."""

    title = gettext_lazy("duplicates")
    parameter_name = "duplicates"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Has duplicates"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() != "yes":
            return queryset
        return queryset.filter(has_duplicates=True)


def identity_search(
    request: HttpRequest, queryset: QuerySet[Verification], term: str
) -> QuerySet[Verification] | None:
    """The applicants holding `term` as a whole identity number, or None (not allowed, or
    none found): the caller then searches as before."""
    if not can_see_unmasked(request.user):
        return None  # a viewer cannot test whether a number belongs to someone
    ids = duplicates_search(term)
    return queryset.filter(pk__in=ids) if ids else None


def _applicant(verification: Verification) -> SafeString:
    url = reverse("admin:kyc_verification_change", args=[verification.pk])
    return format_html(
        '<a href="{}">{}</a> <small>{}</small>',
        url,
        verification.full_name,
        verification.reference,
    )


def _shared_rows(shared: list[Shared]) -> SafeString:
    rows = (
        (
            _applicant(s.verification),
            badge(s.verification.status, s.verification.get_status_display()),
            ", ".join(s.kind_labels),
        )
        for s in shared
    )
    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
    head = format_html(
        '<tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr>',
        _("Applicant"),
        _("Status"),
        _("Shares"),
    )
    return format_html(
        '<table class="kyc-duplicates"><thead>{}</thead><tbody>{}</tbody></table>', head, body
    )


def _refusal_items(refusals: list[Refusal]) -> SafeString:
    items = []
    for refusal in refusals:
        if refusal.matches:
            who = format_html_join(
                ", ", "{}", ((_applicant(s.verification),) for s in refusal.matches)
            )
        else:
            who = format_html("{}", _("no applicant of ours holds it"))
        items.append((refusal.text, who))
    listed = format_html_join("", "<li>{} — {}</li>", items)
    title = _("The provider refused a number already in use")
    return format_html('<p>{}</p><ul class="kyc-list">{}</ul>', title, listed)


def duplicates_html(verification: Verification) -> SafeString:
    shared, refusals = duplicates_of(verification)
    if not shared:
        found = format_html("<p>{}</p>", _("No other applicant shares an identity number."))
    else:
        found = _shared_rows(shared)
    return format_html("{}{}", found, _refusal_items(refusals) if refusals else "")
