"""(f) the compliance dashboard and the CSV export at 1,000,000 verifications.

- The 90-day dashboard: p95 server time of the page, beside Django's stock admin list of
  the user table at the same size (the same stack, one simple ordered page). Target: 300 ms.
- The full CSV export (every row, no filter), streamed: the peak of memory the Python heap
  held while it streamed (tracemalloc), beside the export of one day's sign-ups (2,880
  rows, the list's date drill-down): bounded memory means a ratio near 1, whatever the
  size. Its rows per second are recorded too.

Reuses the rows of the admin-list benchmark when it ran first (same fill), and fills them
itself otherwise; decisions are spread over the year so the 90 days hold about a quarter.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import timedelta
from typing import Any

from bench.admin_list import _fill, _staff_client, _time_page
from bench.stats import Figure, Report

SIZE = 1_000_000

DECIDE = """
UPDATE kyc_verification
SET decided_at = submitted_at + ((id % 97) || ' minutes')::interval
WHERE status IN ('VERIFIED', 'FAILED') AND decided_at IS NULL;
ANALYZE kyc_verification;
"""


def _rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kyc_verification")
        return int(cursor.fetchone()[0])


def _export(client: Any, query: str) -> tuple[float, float, int]:
    """Peak traced heap (MiB), seconds and rows of one streamed export."""
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get("/admin/kyc/verification/export/" + query)
    assert response.status_code == 200, response.status_code
    lines = 0
    for piece in response.streaming_content:
        lines += piece.count(b"\n")
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, seconds, lines - 1  # less the header


def run(report: Report) -> None:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    have = _rows()
    if have < SIZE:
        _fill(SIZE, have)
    with connection.cursor() as cursor:
        cursor.execute(DECIDE)
    client = _staff_client()

    baseline, _ = _time_page(client, "/admin/auth/user/")
    p95, queries = _time_page(client, "/admin/kyc/verification/dashboard/?days=90")
    report.add(
        Figure(
            f"f. dashboard, 90 days, {SIZE:,} rows, p95",
            p95,
            "ms",
            baseline,
            "stock Django admin user list",
            f"{queries} queries; target 300 ms",
        )
    )
    report.details["dashboard_90_days"] = {"p95_ms": p95, "queries": queries}

    # The small export: one day of sign-ups (one every 30 s), through the date drill-down.
    day = timezone.now() - timedelta(days=10)
    one_day = f"?submitted_at__year={day.year}&submitted_at__month={day.month}"
    small_peak, _, small_rows = _export(client, f"{one_day}&submitted_at__day={day.day}")
    assert small_rows > 1000, small_rows
    peak, seconds, rows = _export(client, "")
    assert rows >= SIZE, rows
    report.add(
        Figure(
            f"f. CSV export of {rows:,} rows, peak heap",
            peak,
            "MiB",
            small_peak,
            f"the export of {small_rows:,} rows",
            f"{rows / seconds:,.0f} rows/s",
        )
    )
    report.details["export"] = {
        "rows": rows,
        "seconds": seconds,
        "peak_mib": peak,
        "small_rows": small_rows,
        "small_peak_mib": small_peak,
    }
