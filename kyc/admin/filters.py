"""List filters and the paginator of the admin lists, written for tables of millions of rows.

Nothing here reads a whole table: filter choices come from a loose index scan (one
index probe per distinct value) and an unfiltered list is counted from the
planner's statistics instead of COUNT(*).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kyc.models import FailureReason, Status
from kyc.providers import registry
from kyc.services.figures import corrections_exhausted, stuck_before

# Below this many rows an exact count is cheap, and an estimate would look wrong.
EXACT_COUNT_BELOW = 100_000
DISTINCT_LIMIT = 200  # a filter with more choices than this is no use anyway


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered PostgreSQL table from pg_class.reltuples (kept by ANALYZE).

    A filtered list is counted exactly: each filter is served by an index.
    """

    exact_below = EXACT_COUNT_BELOW

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            estimate = table_estimate(queryset.model, queryset.db)
            if estimate is not None and estimate >= self.exact_below:
                return estimate
        return int(super().count)


def table_estimate(model: type[Model], alias: str) -> int | None:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    # -1 means never analysed: no estimate.
    return int(row[0]) if row and row[0] >= 0 else None


def distinct_values(model: type[Model], column: str, alias: str = "default") -> list[str]:
    """The distinct non-empty values of an indexed column, without reading every row."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        values = model._default_manager.using(alias).order_by(column).values_list(column)
        return [value for (value,) in values.distinct()[:DISTINCT_LIMIT] if value]
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(column)
    # A recursive CTE walking the index (PostgreSQL has no skip scan); the table and
    # column names are this module's constants, never input.
    sql = (
        f"WITH RECURSIVE found(value, n) AS ("  # noqa: S608
        f"(SELECT {name}, 1 FROM {table} WHERE {name} IS NOT NULL ORDER BY {name} LIMIT 1) "
        f"UNION ALL SELECT (SELECT {name} FROM {table} WHERE {name} > found.value "
        f"ORDER BY {name} LIMIT 1), n + 1 FROM found WHERE found.value IS NOT NULL AND n < %s) "
        f"SELECT value FROM found WHERE value IS NOT NULL AND value <> ''"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [DISTINCT_LIMIT])
        return [value for (value,) in cursor.fetchall()]


class _ValuesFilter(admin.SimpleListFilter):
    column = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, value) for value in distinct_values(model_admin.model, self.column)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(**{self.column: value})


class FailureReasonFilter(_ValuesFilter):
    title = _("failure reason")
    parameter_name = "failure_reason"
    column = "failure_reason"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, reason_label(value)) for value, _ in super().lookups(request, model_admin)]


def reason_label(code: str) -> str:
    """A failure reason in words; a code that is no neutral reason (a row older than the
    neutral reasons, say) in words too, never the bare code."""
    label = dict(FailureReason.choices).get(code)
    if label is not None:
        return str(label)
    words = code.replace("_", " ").replace("-", " ").strip().lower().capitalize()
    return str(_("Other: %(words)s")) % {"words": words}


class ProviderFilter(_ValuesFilter):
    title = _("provider")
    parameter_name = "provider"
    column = "provider"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        configured = registry.known()
        return [
            (value, str(registry.get_provider(value).label) if value in configured else value)
            for value, _ in super().lookups(request, model_admin)
        ]


class StuckFilter(admin.SimpleListFilter):
    title = _("stuck")
    parameter_name = "stuck"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        hours = round(settings.KYC_STUCK_AFTER / 3600, 1)
        return [("yes", _("Being checked for more than %(hours)s h") % {"hours": f"{hours:g}"})]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() != "yes":
            return queryset
        return queryset.filter(status=Status.PROCESSING, status_changed_at__lt=stuck_before())


class AttemptsExhaustedFilter(admin.SimpleListFilter):
    title = _("correction attempts")
    parameter_name = "attempts"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("exhausted", _("All used")), ("left", _("Some left"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "exhausted":
            return queryset.filter(corrections_exhausted())
        if self.value() == "left":
            return queryset.exclude(corrections_exhausted())
        return queryset


class DowngradeFilter(admin.SimpleListFilter):
    """Verified customers the provider no longer reports verified (kyc/services/downgrades.py),
    served by the partial index kyc_downgrade_reported."""

    title = _("provider downgrade")
    parameter_name = "downgrade"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("reported", _("Reported by the provider, for staff to decide"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() != "reported":
            return queryset
        return queryset.filter(provider_downgrade__isnull=False)
