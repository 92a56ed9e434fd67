"""The flush after a transactional test survives a deadlock with a session that began
during it (tests/conftest.py::_truncate_again_after_a_deadlock): made here on purpose with a
second connection that reads one table, waits for the TRUNCATE to lock it out, then reads
one the TRUNCATE already holds."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from kyc.models import AuditEvent, Verification
from tests.admin.conftest import verification_row
from tests.conftest import _truncate_again_after_a_deadlock
from tests.support import processes
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.flush_as_is]


def flush_waiting_for(pid: int) -> bool:
    with psycopg.connect(processes.database_url(), autocommit=True) as probe:
        row = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'TRUNCATE%%' AND %s = ANY(pg_blocking_pids(pid))",
            [pid],
        ).fetchone()
    return bool(row and row[0])


def test_a_flush_that_meets_a_deadlock_is_retried_and_empties_every_table():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's locks")  # SQLite locks the whole file: no deadlock
    verification_row()
    AuditEvent.objects.create(source="system", action="status_changed")
    other = psycopg.connect(processes.database_url())
    # The flush, waiting first with the usual 1 s, finds the cycle first: it is the victim.
    other.execute("SET deadlock_timeout = '10s'")
    other.commit()
    other_pid = other.info.backend_pid
    errors: list[BaseException] = []

    # Holds kyc_verification before the flush begins (taken in the thread, it came after the
    # TRUNCATE now and then under load, and then waited for it instead); once the TRUNCATE
    # waits for it, wants kyc_auditevent, which the TRUNCATE (auth tables first, then kyc's)
    # may already hold.
    other.execute("SELECT count(*) FROM kyc_verification")

    def the_other_side() -> None:
        try:
            wait_for(lambda: flush_waiting_for(other_pid), bool, limit=20)
            other.execute("SELECT count(*) FROM kyc_auditevent")
            other.commit()
        except BaseException as error:
            errors.append(error)
            other.rollback()

    connection.execute_wrappers.append(_truncate_again_after_a_deadlock)
    try:
        side = threading.Thread(target=the_other_side)
        side.start()
        call_command("flush", interactive=False, verbosity=0)
        side.join(30)
    finally:
        connection.execute_wrappers.remove(_truncate_again_after_a_deadlock)
        other.close()
    assert not errors, errors
    assert Verification.objects.count() == 0
    assert AuditEvent.objects.count() == 0
