"""The compliance dashboard: where verifications stand and how long decisions take.

Every number is one aggregate query (GROUP BY or percentile_cont on PostgreSQL), so
the page costs the same at a thousand rows or a million. SQLite has no
percentile_cont: there the decided durations are read and ranked in Python, with
the same interpolation.

The decisions are each verification's current one plus those a reset took off
(ClearedDecision, kept by kyc.services.status.verification_reset_local): a reset never
rewrites the figures of the days before it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from kyc.admin.display import duration_text
from kyc.admin.filters import corrections_exhausted, stuck_before
from kyc.models import ClearedDecision, FailureReason, Status, Verification

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
DECIDED = (Status.VERIFIED, Status.FAILED)
CHART_WIDTH = 720
BAR_HEIGHT = 26
DAY_CHART_HEIGHT = 160
BAR_LEFT = 250  # room for the labels left of horizontal bars


def _seconds_to_decision() -> Func:
    return Func(
        F("decided_at") - F("submitted_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )


def percentile(ordered: list[float], fraction: float) -> float | None:
    """percentile_cont's linear interpolation between the closest ranks."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: float  # in chart units, proportional to value
    y: int = 0
    key: str = ""  # what the list filters on for this bar (a failure reason's code)

    @property
    def value_x(self) -> float:
        return round(BAR_LEFT + self.width + 6, 1)


@dataclass(frozen=True)
class Day:
    day: date
    started: int
    verified: int
    failed: int
    x: float = 0
    height: float = 0

    @property
    def y(self) -> float:
        return round(DAY_CHART_HEIGHT - self.height, 1)


@dataclass
class Dashboard:
    days: int
    statuses: list[Bar]
    reasons: list[Bar]
    per_day: list[Day]
    decided: int
    median: float | None
    p95: float | None
    stuck: int
    exhausted: int
    periods: tuple[int, ...] = PERIODS
    chart_width: int = CHART_WIDTH
    bar_height: int = BAR_HEIGHT
    day_chart_height: int = DAY_CHART_HEIGHT

    @property
    def median_text(self) -> str:
        return duration_text(self.median)

    @property
    def p95_text(self) -> str:
        return duration_text(self.p95)

    @property
    def status_chart_height(self) -> int:
        return max(len(self.statuses), 1) * BAR_HEIGHT

    @property
    def reason_chart_height(self) -> int:
        return max(len(self.reasons), 1) * BAR_HEIGHT

    @property
    def day_bar_width(self) -> float:
        return round(CHART_WIDTH / max(len(self.per_day), 1) * 0.8, 1)

    @property
    def day_top(self) -> int:
        return max((day.started for day in self.per_day), default=0)

    @property
    def bar_left(self) -> int:
        return BAR_LEFT


def period(raw: str | None) -> int:
    """The period asked for in the query string; anything unexpected is the default."""
    try:
        days = int(raw or DEFAULT_PERIOD)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _bars(pairs: list[tuple[str, int]], keys: list[str] | None = None) -> list[Bar]:
    top = max((value for _, value in pairs), default=0) or 1
    keys = keys or [""] * len(pairs)
    return [
        Bar(
            label,
            value,
            round(value / top * (CHART_WIDTH - BAR_LEFT - 80), 1),
            index * BAR_HEIGHT,
            key,
        )
        for index, ((label, value), key) in enumerate(zip(pairs, keys, strict=True))
    ]


def status_bars(verifications: QuerySet[Verification]) -> list[Bar]:
    rows = verifications.order_by().values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    return _bars([(str(label), counts.get(value, 0)) for value, label in Status.choices])


def reason_bars(verifications: QuerySet[Verification]) -> list[Bar]:
    rows = (
        verifications.filter(status=Status.FAILED)
        .exclude(failure_reason="")
        .order_by()
        .values("failure_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "failure_reason")
    )
    labels = dict(FailureReason.choices)
    return _bars(
        [(str(labels.get(row["failure_reason"], row["failure_reason"])), row["n"]) for row in rows],
        [row["failure_reason"] for row in rows],
    )


def per_day(
    verifications: QuerySet[Verification],
    start: date,
    days: int,
    cleared: QuerySet[ClearedDecision] | None = None,
) -> list[Day]:
    since = _midnight(start)  # a range on the column itself, so its index serves it
    started = {
        row["day"]: row["n"]
        for row in verifications.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
    }
    decided = _decided_per_day(verifications.filter(status__in=DECIDED), since)
    if cleared is not None:
        decided += _decided_per_day(cleared, since)
    dates = [start + timedelta(days=offset) for offset in range(days)]
    return _place_days(
        [
            Day(
                d,
                started.get(d, 0),
                decided.get((d, Status.VERIFIED), 0),
                decided.get((d, Status.FAILED), 0),
            )
            for d in dates
        ]
    )


def _decided_per_day(decisions: QuerySet[Any], since: datetime) -> Counter[tuple[date, str]]:
    """(day, status) -> decisions made that day; for verifications and cleared decisions alike
    (both have status and decided_at)."""
    rows = (
        decisions.filter(decided_at__gte=since)
        .annotate(day=TruncDate("decided_at"))
        .order_by()
        .values("day", "status")
        .annotate(n=Count("id"))
    )
    return Counter({(row["day"], row["status"]): row["n"] for row in rows})


def _place_days(rows: list[Day]) -> list[Day]:
    top = max((row.started for row in rows), default=0) or 1
    step = CHART_WIDTH / max(len(rows), 1)
    return [
        Day(
            row.day,
            row.started,
            row.verified,
            row.failed,
            x=round(index * step, 1),
            height=round(row.started / top * (DAY_CHART_HEIGHT - 20), 1),
        )
        for index, row in enumerate(rows)
    ]


def decision_times(*decided: QuerySet[Any]) -> tuple[int, float | None, float | None]:
    """How many were decided, and the median and 95th percentile seconds it took, over the
    rows of every queryset given (each with submitted_at and decided_at, none NULL)."""
    if connection.vendor == "postgresql":
        return _percentiles_in_sql(decided)
    ordered = sorted(
        (decided_at - submitted_at).total_seconds()
        for queryset in decided
        for decided_at, submitted_at in queryset.values_list("decided_at", "submitted_at")
        if decided_at and submitted_at  # the queryset excludes NULLs; this tells the types
    )
    return len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.95)


def _percentiles_in_sql(
    decided: tuple[QuerySet[Any], ...],
) -> tuple[int, float | None, float | None]:
    # The ORM cannot aggregate over a UNION: each queryset compiles its own SELECT of the
    # durations (parameters kept apart), and one statement ranks them all.
    parts, params = [], []
    for queryset in decided:
        sql, part_params = (
            queryset.annotate(seconds=_seconds_to_decision())
            .order_by()
            .values_list("seconds")
            .query.sql_with_params()
        )
        parts.append(f"({sql})")
        params.extend(part_params)
    union = " UNION ALL ".join(parts)
    ranked = "PERCENTILE_CONT({}) WITHIN GROUP (ORDER BY seconds)"
    # The parts are the ORM's compiled SQL; every value in them is a parameter.
    query = (
        f"SELECT COUNT(*), {ranked.format(0.5)}, {ranked.format(0.95)} FROM ({union}) AS d(seconds)"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        count, median, p95 = cursor.fetchone()
    return count, median, p95


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def dashboard(days: int) -> Dashboard:
    verifications = Verification.objects.all()
    start = timezone.localdate() - timedelta(days=days - 1)
    since = _midnight(start)
    decided = verifications.filter(
        decided_at__gte=since, status__in=DECIDED, submitted_at__isnull=False
    )
    cleared = ClearedDecision.objects.all()
    count, median, p95 = decision_times(
        decided, cleared.filter(decided_at__gte=since, submitted_at__isnull=False)
    )
    return Dashboard(
        days=days,
        statuses=status_bars(verifications),
        reasons=reason_bars(verifications),
        per_day=per_day(verifications, start, days, cleared),
        decided=count,
        median=median,
        p95=p95,
        stuck=verifications.filter(
            Q(status=Status.PROCESSING) & Q(status_changed_at__lt=stuck_before())
        ).count(),
        exhausted=verifications.filter(corrections_exhausted()).count(),
    )
