"""(d) the compliance list with 100,000 and 1,000,000 verifications: p95 server time and
query count of the default page, a status filter and a search, beside Django's stock
admin list of the user table at the same size (the bare ordered SELECT a list needs is
recorded in the JSON too). Sign-ups are spread over a year, as in production."""

from __future__ import annotations

import time
from typing import Any

from bench.stats import Figure, Report, percentile

SIZES = (100_000, 1_000_000)
REPEAT = 15
PAGES = {
    "default page": "",
    "status filter": "?status__exact=FAILED",
    "search": "?q=person-4242",
}

FILL = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT '!', false, 'person-' || g, '', '', 'person-' || g || '@example.com', false, true,
       now() - (g * 30 || ' seconds')::interval  -- a year of sign-ups
FROM generate_series(%(start)s, %(stop)s) AS g;
INSERT INTO kyc_verification (user_id, provider, client_reference_id, customer_state,
    customer_errors, full_name, email, phone, nationality, non_resident, residence_country,
    status, failure_reason, provider_status, provider_reason, corrections_used,
    corrections_allowed, provider_program, routed_by, given_name, family_name,
    status_changed_at, submitted_at, created_at, updated_at)
SELECT u.id, 'dollarpe', 'kyc_' || md5(u.username), 'created', '{}', 'Person ' || u.username,
       u.email, '+9199' || lpad((u.id %% 100000000)::text, 8, '0'), 'IND', false, '',
       (ARRAY['UNVERIFIED','PROCESSING','VERIFIED','FAILED'])[1 + u.id %% 4],
       CASE WHEN u.id %% 4 = 3 THEN 'tax_number' ELSE '' END,
       (ARRAY['UNVERIFIED','PROCESSING','VERIFIED','FAILED'])[1 + u.id %% 4],
       CASE WHEN u.id %% 4 = 3 THEN 'TAX_VERIFICATION_FAILED' ELSE '' END,
       u.id %% 4, 3, '', 'default', '', '',
       u.date_joined, u.date_joined, u.date_joined, u.date_joined
FROM auth_user u WHERE u.username LIKE 'person-%%' AND u.id > %(after)s;
"""


def _fill(upto: int, have: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM auth_user")
        after = cursor.fetchone()[0]
        cursor.execute(FILL, {"start": have + 1, "stop": upto, "after": after})
        cursor.execute("ANALYZE auth_user; ANALYZE kyc_verification;")


def _staff_client() -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


def _time_page(client: Any, url: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries = [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        queries = len(captured.captured_queries)
    return percentile(timings, 95) * 1000, queries


def _bare_select() -> float:
    from django.db import connection

    timings = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT v.id, v.full_name, v.email, v.status FROM kyc_verification v "
                "JOIN auth_user u ON u.id = v.user_id ORDER BY v.created_at DESC LIMIT 100"
            )
            cursor.fetchall()
        timings.append(time.perf_counter() - started)
    return percentile(timings, 95) * 1000


def run(report: Report) -> None:
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = _staff_client()
    have = 0
    for size in SIZES:
        _fill(size, have)
        have = size
        report.details[f"admin_{size}_bare_select_p95_ms"] = _bare_select()
        # Baseline: Django's stock admin list of the user table, as many rows, same stack.
        baseline, _ = _time_page(client, "/admin/auth/user/")
        for label, query in PAGES.items():
            p95, queries = _time_page(client, "/admin/kyc/verification/" + query)
            report.add(
                Figure(
                    f"d. admin list {size:,} rows, {label}, p95",
                    p95,
                    "ms",
                    baseline,
                    "stock Django admin user list",
                    f"{queries} queries",
                )
            )
            report.details[f"admin_{size}_{label}"] = {"p95_ms": p95, "queries": queries}
