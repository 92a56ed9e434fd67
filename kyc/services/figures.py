"""The compliance dashboard's figures: what is computed, and how it is kept.

At 1,000,000 verifications most figures read hundreds of thousands of rows (a quarter of
a year of decisions; every open case when the backlog is large), seconds of work. So:

- the figures (figures_now): the open cases by queue and age band with SLA breaches and
  unassigned cases, and the period's decisions and how long they took, per day, statuses,
  failure reasons, throughput per officer, bank account failures, duplicates found. They
  are computed by the beat task kyc.tasks.refresh_dashboard every KYC_DASHBOARD_REFRESH
  seconds (and by a staff member's "Refresh now"), kept in one DashboardSnapshot row per
  period, and the page reads that row. The page says how old they are, and warns when
  they are older than two refresh periods (the beat is not running).
- live on every view, each bounded by a partial index over few rows: holds and the
  requests waiting for a second officer.

Every figure is an aggregate query (GROUP BY or percentile_cont on PostgreSQL). SQLite has
no percentile_cont: there the durations are read and ranked in Python, with the same
interpolation. Snapshots hold codes and numbers, never labels: the page translates them.

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

from django.conf import settings
from django.db import connection
from django.db.models import Case, CharField, Count, F, FloatField, Func, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from kyc.models import (
    AuditEvent,
    BankAccount,
    ClearedDecision,
    DashboardSnapshot,
    Status,
    Verification,
)
from kyc.services import cases

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
DECIDED = (Status.VERIFIED, Status.FAILED)
BANK_FAILED = (BankAccount.State.FAILED, BankAccount.State.REJECTED)
# Age of an open case since it (re)opened: the lower bound of each band, in hours.
AGE_BANDS = (0, 1, 4, 24, 72)
OTHER_QUEUE = ""  # open cases no queue rule takes (a case staff reopened by hand)


def stuck_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.KYC_STUCK_AFTER)


def corrections_exhausted() -> Q:
    """Every correction the applicant was allowed is used (none where there is no limit)."""
    return Q(corrections_allowed__isnull=False, corrections_used__gte=F("corrections_allowed"))


# --- live: the open work ---------------------------------------------------------------------
@dataclass(frozen=True)
class QueueBacklog:
    key: str  # a KYC_CASE_QUEUES key, or OTHER_QUEUE
    label: Any
    sla_hours: float | None
    by_age: tuple[int, ...]  # one count per AGE_BANDS band
    unassigned: int
    breached: int

    @property
    def total(self) -> int:
        return sum(self.by_age)


def backlog_figures(now: datetime | None = None) -> list[dict[str, Any]]:
    """backlog() as JSON, for a snapshot: queue keys and counts."""
    return [
        {
            "key": queue.key,
            "by_age": list(queue.by_age),
            "unassigned": queue.unassigned,
            "breached": queue.breached,
        }
        for queue in backlog(now)
    ]


def backlog_from(kept: list[dict[str, Any]]) -> list[QueueBacklog]:
    """A snapshot's backlog, with each queue's label and SLA as configured now."""
    listed = {queue.key: queue for queue in cases.queues()}
    result = []
    for row in kept:
        queue = listed.get(row["key"])
        result.append(
            QueueBacklog(
                key=row["key"] if queue or not row["key"] else OTHER_QUEUE,
                label=queue.label if queue else None,
                sla_hours=queue.sla.total_seconds() / 3600 if queue else None,
                by_age=tuple(row["by_age"]),
                unassigned=row["unassigned"],
                breached=row["breached"],
            )
        )
    return result


def backlog(now: datetime | None = None) -> list[QueueBacklog]:
    """The open cases (open or in review) per queue, by age band, unassigned and past the
    queue's SLA: one GROUP BY over the active cases (the kyc_case_active_opened index)."""
    now = now or timezone.now()
    listed = cases.queues()
    queue = Case(
        *[When(q.cases, then=Value(q.key)) for q in listed],
        default=Value(OTHER_QUEUE),
        output_field=CharField(),
    )
    bands: dict[str, Any] = {}
    for index, low in enumerate(AGE_BANDS):
        # AGE_BANDS[index] <= age < AGE_BANDS[index + 1], age counted from the last opening
        in_band = Q(case_opened_at__lte=now - timedelta(hours=low)) if index else Q()
        if index + 1 < len(AGE_BANDS):
            in_band &= Q(case_opened_at__gt=now - timedelta(hours=AGE_BANDS[index + 1]))
        else:  # the oldest band also holds a case with no opening time on record
            in_band |= Q(case_opened_at__isnull=True)
        bands[f"band{index}"] = Count("id", filter=in_band)
    rows = {
        row["queue"]: row
        for row in Verification.objects.filter(case_state__in=cases.ACTIVE)
        .annotate(queue=queue)
        .order_by()
        .values("queue")
        .annotate(
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            breached=Count("id", filter=cases.breached(now)),
            **bands,
        )
    }
    result = []
    for key, label, sla in [
        *[(q.key, q.label, q.sla.total_seconds() / 3600) for q in listed],
        (OTHER_QUEUE, None, None),
    ]:
        row = rows.get(key, {})
        if key == OTHER_QUEUE and not row:
            continue  # listed only when there is such a case
        result.append(
            QueueBacklog(
                key=key,
                label=label,
                sla_hours=sla,
                by_age=tuple(row.get(f"band{i}", 0) for i in range(len(AGE_BANDS))),
                unassigned=row.get("unassigned", 0),
                breached=row.get("breached", 0),
            )
        )
    return result


def on_hold() -> int:
    return Verification.objects.filter(held_at__isnull=False).count()  # kyc_on_hold


def approvals_waiting() -> int:
    from kyc.services.approvals import pending_requests

    return pending_requests().count()


# --- the period figures ----------------------------------------------------------------------
def period(raw: str | None) -> int:
    """The period asked for in the query string; anything unexpected is the default."""
    try:
        days = int(raw or DEFAULT_PERIOD)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def percentile(ordered: list[float], fraction: float) -> float | None:
    """percentile_cont's linear interpolation between the closest ranks."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def period_start(days: int) -> date:
    return timezone.localdate() - timedelta(days=days - 1)


def period_figures(days: int) -> dict[str, Any]:
    """Every figure of the period, as JSON (codes, ids and numbers): what a snapshot keeps."""
    start = period_start(days)
    since = midnight(start)
    verifications = Verification.objects.all()
    decided = verifications.filter(
        decided_at__gte=since, status__in=DECIDED, submitted_at__isnull=False
    )
    cleared = ClearedDecision.objects.all()
    count, median, p95 = decision_times(
        decided, cleared.filter(decided_at__gte=since, submitted_at__isnull=False)
    )
    return {
        "days": days,
        "start": start.isoformat(),
        "backlog": backlog_figures(),
        "decided": count,
        "median": median,
        "p95": p95,
        "statuses": _counts(verifications, "status"),
        "reasons": _counts(
            verifications.filter(status=Status.FAILED).exclude(failure_reason=""),
            "failure_reason",
        ),
        "per_day": per_day(verifications, start, days, cleared),
        "stuck": verifications.filter(
            status=Status.PROCESSING, status_changed_at__lt=stuck_before()
        ).count(),
        "exhausted": verifications.filter(corrections_exhausted()).count(),
        "officers": officer_throughput(since),
        "banks": bank_figures(since),
        "duplicates": {
            "found": AuditEvent.objects.filter(
                action="duplicates_found", created_at__gte=since
            ).count(),
            "now": verifications.filter(has_duplicates=True).count(),
        },
    }


def _counts(queryset: QuerySet[Any], field: str) -> list[list[Any]]:
    """[[value, count], ...], most first (then by value)."""
    rows = queryset.order_by().values(field).annotate(n=Count("id")).order_by("-n", field)
    return [[row[field], row["n"]] for row in rows]


def per_day(
    verifications: QuerySet[Verification],
    start: date,
    days: int,
    cleared: QuerySet[ClearedDecision] | None = None,
) -> list[list[Any]]:
    """[[day (ISO), started, verified, failed], ...] for each day from start, oldest first."""
    since = midnight(start)  # a range on the column itself, so its index serves it
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
    return [
        [
            d.isoformat(),
            started.get(d, 0),
            decided.get((d, Status.VERIFIED), 0),
            decided.get((d, Status.FAILED), 0),
        ]
        for d in dates
    ]


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


# Staff audit actions, by what the dashboard counts them as.
CLAIMS = ("case_claimed",)
DECISIONS = ("staff_decision_approved", "staff_decision_rejected")
APPROVALS = ("approval_approved", "approval_rejected")  # four eyes: another's request decided
# What staff read (kyc/services/access.py): audited, but not work done on a case.
READS = ("identity_data_viewed", "documents_viewed", "list_exported")
REVIEWS = ("document_review_accepted", "document_review_rejected", "document_reupload_requested")


COLUMNS = ("worked", "claimed", "resolved", "decisions", "approvals", "reviews")


def officer_throughput(since: datetime) -> list[dict[str, Any]]:
    """Per staff member, what they did in the period (reading pages and exports aside):
    cases worked (distinct verifications they acted on), claimed, resolved, our own
    decisions recorded, other officers' requests they approved or refused (four eyes) and
    documents reviewed; most cases worked first.
    One GROUP BY over the staff audit entries of the period (the kyc_audit_staff index)."""
    rows = (
        AuditEvent.objects.filter(source="staff", actor__isnull=False, created_at__gte=since)
        .exclude(action__in=READS)
        .order_by()
        .values("actor", "actor__username")
        .annotate(
            worked=Count("verification", distinct=True),
            claimed=Count("id", filter=Q(action__in=CLAIMS)),
            resolved=Count(
                "id",
                filter=Q(action="case_state_changed", to_status=cases.CaseState.RESOLVED),
            ),
            decisions=Count("id", filter=Q(action__in=DECISIONS)),
            approvals=Count("id", filter=Q(action__in=APPROVALS)),
            reviews=Count("id", filter=Q(action__in=REVIEWS)),
            actions=Count("id"),
        )
        .order_by("-worked", "actor__username")
    )
    return [
        {
            "id": row["actor"],
            "name": row["actor__username"],
            **{key: row[key] for key in COLUMNS},
            "actions": row["actions"],
        }
        for row in rows
    ]


def bank_figures(since: datetime) -> dict[str, Any]:
    """Bank accounts and UPI IDs added in the period, those that failed or the provider
    refused in it, and the failures by the provider's reason (most first)."""
    failed = BankAccount.objects.filter(status__in=BANK_FAILED, status_changed_at__gte=since)
    return {
        "added": BankAccount.objects.filter(created_at__gte=since).count(),
        "failed": failed.count(),
        "reasons": _counts(failed, "failure_reason")[:10],
    }


# --- how long decisions take -------------------------------------------------------------------
def _seconds_to_decision() -> Func:
    return Func(
        F("decided_at") - F("submitted_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )


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


# --- snapshots ---------------------------------------------------------------------------------
def snapshot_refresh(days: int) -> DashboardSnapshot:
    """Compute the period's figures now and keep them (one row per period)."""
    started = timezone.now()
    figures = period_figures(days)
    took = (timezone.now() - started).total_seconds()
    snapshot, _ = DashboardSnapshot.objects.update_or_create(
        days=days,
        defaults={"figures": figures, "computed_at": started, "seconds": round(took, 3)},
    )
    return snapshot


def snapshot_refresh_all() -> list[DashboardSnapshot]:
    return [snapshot_refresh(days) for days in PERIODS]


def snapshot_for(days: int) -> DashboardSnapshot:
    """The kept figures of the period; computed now when there are none yet, or when they
    were computed on another day (the period's days would no longer match)."""
    snapshot = DashboardSnapshot.objects.filter(days=days).first()
    if snapshot is None or timezone.localdate(snapshot.computed_at) != timezone.localdate():
        return snapshot_refresh(days)
    return snapshot


REFRESH_AT_MOST_EVERY = 60  # seconds: "Refresh now" on fresher figures is refused


def snapshot_age(days: int) -> int | None:
    """Seconds since the period's figures were computed, or None if they never were."""
    computed = (
        DashboardSnapshot.objects.filter(days=days).values_list("computed_at", flat=True).first()
    )
    return int((timezone.now() - computed).total_seconds()) if computed else None


def snapshot_is_late(snapshot: DashboardSnapshot) -> bool:
    """Older than two refresh periods: the scheduled refresh is not running."""
    age = (timezone.now() - snapshot.computed_at).total_seconds()
    return age > 2 * settings.KYC_DASHBOARD_REFRESH
