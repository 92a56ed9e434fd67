"""The benchmarks' bulk fills write rows straight into the tables: they must keep up with
the schema (a NOT NULL column without a database default broke them once, unseen until
`make bench`). Filled small here, then read by the dashboard as the benchmark reads them."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import admin_list, dashboard
from kyc.models import AuditEvent, BankAccount, CaseState, Status, Verification
from kyc.services import figures

pytestmark = pytest.mark.django_db


def test_the_benchmark_fill_matches_the_schema_and_the_dashboard_reads_it():
    admin_list._fill(40, 0)
    with connection.cursor() as cursor:
        cursor.execute(dashboard.OFFICER_USERS, {"officers": dashboard.OFFICERS})
        cursor.execute(dashboard.DECIDE, {"officers": dashboard.OFFICERS})
    assert Verification.objects.count() == 40
    # The case states follow the case rules: being checked, or failed with no attempt left.
    assert set(
        Verification.objects.filter(case_state=CaseState.OPEN).values_list("status", flat=True)
    ) == {Status.PROCESSING, Status.FAILED}
    assert not Verification.objects.filter(status=Status.VERIFIED, decided_at=None).exists()
    assert BankAccount.objects.count() == Verification.objects.filter(status="VERIFIED").count()
    kept = figures.period_figures(90)
    assert sum(n for _status, n in kept["statuses"]) == 40
    assert {row["name"] for row in kept["officers"]} <= {f"officer-{n}" for n in range(1, 6)}
    assert kept["officers"]
    assert kept["banks"]["added"] > 0
    assert AuditEvent.objects.filter(source="staff").count() == 3 * 10  # three per failure
    assert sum(queue.total for queue in figures.backlog()) == 20
