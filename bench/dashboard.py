"""(f) the compliance dashboard and the CSV export at 1,000,000 verifications.

- The 90-day dashboard: p95 server time of the page, beside Django's stock admin list of
  the user table at the same size (the same stack, one simple ordered page). Target: 300 ms.
  The page reads the open work live and the period's figures from their snapshot
  (kyc/services/figures.py), so the time to compute a snapshot, which the beat task does
  every few minutes and "Refresh now" does on demand, is a figure of its own.
- The full CSV export (every row, no filter), streamed: the peak resident memory of the
  process while it streamed (VmHWM, reset before each export), beside the export of one
  day's sign-ups (2,880 rows, the list's date drill-down): bounded memory means a ratio
  near 1, whatever the size. Its rows per second are recorded too.

Reuses the rows of the admin-list benchmark when it ran first (same fill), and fills them
itself otherwise; then gives them what the dashboard reads: decisions spread over the year
(so the 90 days hold about a quarter), case states as the case rules set them (every
verification being checked, and every failure with no attempt left, is an open case: a
quarter of a million, a worst case), assignees among five officers, staff and system
audit entries, a bank account per verified applicant (one in ten failed) and duplicates
found for one applicant in a hundred. VACUUM ANALYZE after, as autovacuum would.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.admin_list import _fill, _staff_client, _time_page
from bench.stats import Figure, Report

SIZE = 1_000_000

OFFICERS = 5
DECIDE = """
UPDATE kyc_verification SET
    decided_at = CASE WHEN status IN ('VERIFIED', 'FAILED')
                      THEN submitted_at + ((id %% 97) || ' minutes')::interval END,
    case_state = CASE
        WHEN status = 'PROCESSING' THEN 'open'
        WHEN status = 'FAILED' AND corrections_used >= corrections_allowed THEN 'open'
        WHEN status = 'VERIFIED' THEN 'resolved'
        ELSE 'waiting' END,
    case_opened_at = CASE WHEN status IN ('PROCESSING', 'FAILED') THEN status_changed_at END,
    assignee_id = CASE WHEN id %% 3 = 0 AND status IN ('PROCESSING', 'FAILED')
                       THEN (SELECT min(id) FROM auth_user WHERE username LIKE 'officer-%%')
                            + id %% %(officers)s END,
    has_duplicates = (id %% 100 = 7)
WHERE decided_at IS NULL AND case_opened_at IS NULL;
INSERT INTO kyc_auditevent (verification_id, actor_id, source, action, from_status, to_status,
                            note, created_at)
SELECT v.id, NULL, 'system', 'status_changed', 'UNVERIFIED', v.status, '', v.status_changed_at
FROM kyc_verification v
UNION ALL
SELECT v.id, o.first + v.id %% %(officers)s, 'staff', a.action, v.status, a.to_status, '',
       v.status_changed_at + interval '1 hour'
FROM kyc_verification v
CROSS JOIN (SELECT min(id) AS first FROM auth_user WHERE username LIKE 'officer-%%') o
CROSS JOIN (VALUES ('case_claimed', 'in_review'), ('staff_decision_rejected', ''),
                   ('case_state_changed', 'resolved')) AS a(action, to_status)
WHERE v.status = 'FAILED'
UNION ALL
SELECT v.id, NULL, 'system', 'duplicates_found', v.status, v.status, '', v.created_at
FROM kyc_verification v WHERE v.has_duplicates;
INSERT INTO kyc_bankaccount (verification_id, kind, account_number, ifsc, vpa, label,
                             status, failure_reason, created_at, status_changed_at)
SELECT v.id, 'account', '', 'HDFC0000001', '', '…' || lpad((v.id %% 10000)::text, 4, '0'),
       CASE WHEN v.id %% 10 = 2 THEN 'FAILED' ELSE 'VERIFIED' END,
       CASE WHEN v.id %% 10 = 2 THEN 'NAME_MISMATCH' ELSE '' END,
       v.decided_at + interval '1 day', v.decided_at + interval '1 day'
FROM kyc_verification v WHERE v.status = 'VERIFIED';
"""
OFFICER_USERS = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT '!', false, 'officer-' || g, '', '', '', true, true, now()
FROM generate_series(1, %(officers)s) AS g
ON CONFLICT (username) DO NOTHING;
"""


def _rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kyc_verification")
        return int(cursor.fetchone()[0])


def _peak_rss_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]


def _export(client: Any, query: str) -> tuple[float, float, int]:
    """Peak resident memory (MiB), seconds and rows of one streamed export."""
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    started = time.perf_counter()
    response = client.get("/admin/kyc/verification/export/" + query)
    assert response.status_code == 200, response.status_code
    lines = 0
    for piece in response.streaming_content:
        lines += piece.count(b"\n")
    seconds = time.perf_counter() - started
    return _peak_rss_kib() / 1024, seconds, lines - 1  # less the header


def run(report: Report) -> None:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    have = _rows()
    if have < SIZE:
        _fill(SIZE, have)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user WHERE username LIKE 'officer-%'")
        if not cursor.fetchone()[0]:  # once per database
            cursor.execute(OFFICER_USERS, {"officers": OFFICERS})
            cursor.execute(DECIDE, {"officers": OFFICERS})
        for table in ("kyc_verification", "kyc_auditevent", "kyc_bankaccount", "auth_user"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    client = _staff_client()

    from kyc.services.figures import snapshot_refresh

    baseline, _ = _time_page(client, "/admin/auth/user/")
    refreshes = sorted(snapshot_refresh(90).seconds * 1000 for _ in range(3))
    report.add(
        Figure(
            f"f. dashboard snapshot, 90 days, {SIZE:,} rows, median of 3",
            refreshes[1],
            "ms",
            baseline,
            "stock Django admin user list",
            "computed by the beat task and Refresh now, not on page views",
        )
    )
    report.details["dashboard_snapshot_90_days_ms"] = refreshes
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
            f"f. CSV export of {rows:,} rows, peak resident memory",
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
