"""What one send costs the database: statements and commits, counted on the send itself
(kyc.services.submissions.submission_send against the emulator, as the worker's task runs it).
The pipeline bench reports the same counts beside its times (bench/pipeline.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kyc.models import ProviderCall, Status, Submission
from kyc.services.submissions import submission_send
from tests.support import builders


def counted(queries: list[dict[str, Any]]) -> tuple[list[str], int]:
    """The statements (BEGIN and COMMIT aside; a savepoint counts) and the commits: a COMMIT, or a
    statement outside a transaction (autocommit)."""
    statements, commits, inside = [], 0, False
    for query in queries:
        sql = query["sql"].lstrip()
        word = sql.split(None, 1)[0].upper()
        if word == "BEGIN":
            inside = True
        elif word in ("COMMIT", "ROLLBACK") and not sql.upper().startswith("ROLLBACK TO"):
            inside, commits = False, commits + 1
        else:
            statements.append(sql)
            commits += 0 if inside else 1
    return statements, commits


@pytest.mark.django_db(transaction=True)
def test_a_send_stores_its_provider_call_with_its_outcome_in_one_transaction(emulator):
    emulator.config(auto_decision=False)
    submission = builders.queued_submission(builders.customer())
    with CaptureQueriesContext(connection) as captured:
        assert submission_send(submission_id=submission.pk) == Submission.State.SENT
    statements, commits = counted(captured.captured_queries)
    assert not [s for s in statements if s.upper().startswith(("SAVEPOINT", "RELEASE"))]
    # The claim, the submission and its documents read, then one transaction with the
    # outcome, its audit trail, the case and the provider call.
    assert commits == 4, statements
    assert len(statements) == 11, statements
    call = ProviderCall.objects.get(
        verification=submission.verification, endpoint="kyc/add-kyc-data"
    )
    assert call.status_code == 200
    submission.verification.refresh_from_db()
    assert submission.verification.status == Status.PROCESSING
