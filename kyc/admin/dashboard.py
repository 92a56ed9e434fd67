"""The compliance dashboard page: the figures of kyc/services/figures.py, in words and charts.

The figures come from the period's snapshot, with the time they were computed; holds and
approvals waiting are read on every view. Labels are given here, in the staff member's
language: snapshots hold codes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kyc.admin.display import duration_text
from kyc.models import DashboardSnapshot, FailureReason, Status
from kyc.services import figures
from kyc.services.figures import (  # noqa: F401 - the dashboard's public names
    AGE_BANDS,
    PERIODS,
    QueueBacklog,
    decision_times,
    percentile,
    period,
)

CHART_WIDTH = 720
BAR_HEIGHT = 26
DAY_CHART_HEIGHT = 160
BAR_LEFT = 250  # room for the labels left of horizontal bars


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


@dataclass(frozen=True)
class Officer:
    id: int
    name: str
    worked: int
    claimed: int
    resolved: int
    decisions: int
    approvals: int
    reviews: int
    actions: int


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
    computed_at: datetime | None = None
    late: bool = False
    officers: list[Officer] = field(default_factory=list)
    bank_added: int = 0
    bank_failed: int = 0
    bank_reasons: list[Bar] = field(default_factory=list)
    duplicates_found: int = 0
    with_duplicates: int = 0
    backlog: list[QueueBacklog] = field(default_factory=list)
    on_hold: int = 0
    approvals_waiting: int = 0
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

    @property
    def age_bands(self) -> list[str]:
        return age_band_labels()

    # The per-day chart and table: up to 90 rows of dates and numbers, built here in one
    # pass (through the template they were half the 90-day page's time).
    @property
    def day_bars_html(self) -> SafeString:
        return format_html_join(
            "",
            '<rect class="kyc-chart-bar" x="{}" y="{}" width="{}" height="{}">'
            "<title>{}: {}</title></rect>",
            (
                (
                    day.x,
                    day.y,
                    self.day_bar_width,
                    day.height,
                    date_format(day.day, "SHORT_DATE_FORMAT"),
                    day.started,
                )
                for day in self.per_day
            ),
        )

    @property
    def day_rows_html(self) -> SafeString:
        return format_html_join(
            "",
            '<tr><th scope="row"><time datetime="{}">{}</time></th><td>{}</td><td>{}</td>'
            "<td>{}</td></tr>",
            (
                (
                    day.day.isoformat(),
                    date_format(day.day, "DATE_FORMAT"),
                    number_format(day.started, force_grouping=True),
                    number_format(day.verified, force_grouping=True),
                    number_format(day.failed, force_grouping=True),
                )
                for day in reversed(self.per_day)
            ),
        )

    @property
    def since_param(self) -> str:
        """The period's first moment as the audit list's date filter takes it."""
        start = figures.midnight(self.per_day[0].day) if self.per_day else None
        return start.isoformat(sep=" ") if start else ""

    @property
    def breached(self) -> int:
        return sum(queue.breached for queue in self.backlog)

    @property
    def open_cases(self) -> int:
        return sum(queue.total for queue in self.backlog)

    @property
    def bank_failed_share(self) -> str:
        if not self.bank_added:
            return "—"
        return f"{self.bank_failed / self.bank_added:.0%}"


def age_band_labels() -> list[str]:
    """'under 1 h', '1 h to 4 h' (with an en dash), ..., 'over 3 d' for AGE_BANDS (hours)."""

    def hours(value: int) -> str:
        return _("%d d") % (value // 24) if value >= 24 and value % 24 == 0 else _("%d h") % value

    labels = [_("under %s") % hours(AGE_BANDS[1])]
    for low, high in itertools.pairwise(AGE_BANDS[1:]):
        labels.append(f"{hours(low)}\N{EN DASH}{hours(high)}")
    labels.append(_("over %s") % hours(AGE_BANDS[-1]))
    return labels


def _bars(pairs: list[tuple[str, int]], keys: list[str] | None = None) -> list[Bar]:
    top = max((value for _label, value in pairs), default=0) or 1
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


def _place_days(rows: list[list[Any]]) -> list[Day]:
    top = max((row[1] for row in rows), default=0) or 1
    step = CHART_WIDTH / max(len(rows), 1)
    return [
        Day(
            date.fromisoformat(day),
            started,
            verified,
            failed,
            x=round(index * step, 1),
            height=round(started / top * (DAY_CHART_HEIGHT - 20), 1),
        )
        for index, (day, started, verified, failed) in enumerate(rows)
    ]


def board_from(snapshot: DashboardSnapshot) -> Dashboard:
    """The page's figures: the snapshot's, in words, and holds and approvals as they are now."""
    kept = snapshot.figures
    counts = dict(kept["statuses"])
    reasons = dict(FailureReason.choices)
    banks = kept["banks"]
    return Dashboard(
        days=kept["days"],
        statuses=_bars([(str(label), counts.get(value, 0)) for value, label in Status.choices]),
        reasons=_bars(
            [(str(reasons.get(code, code)), n) for code, n in kept["reasons"]],
            [code for code, _n in kept["reasons"]],
        ),
        per_day=_place_days(kept["per_day"]),
        decided=kept["decided"],
        median=kept["median"],
        p95=kept["p95"],
        stuck=kept["stuck"],
        exhausted=kept["exhausted"],
        computed_at=snapshot.computed_at,
        late=figures.snapshot_is_late(snapshot),
        officers=[Officer(**row) for row in kept["officers"]],
        bank_added=banks["added"],
        bank_failed=banks["failed"],
        bank_reasons=_bars(
            [(reason or _("(no reason given)"), n) for reason, n in banks["reasons"]]
        ),
        duplicates_found=kept["duplicates"]["found"],
        with_duplicates=kept["duplicates"]["now"],
        backlog=figures.backlog_from(kept["backlog"]),
        on_hold=figures.on_hold(),
        approvals_waiting=figures.approvals_waiting(),
    )


def dashboard(days: int) -> Dashboard:
    return board_from(figures.snapshot_for(days))
