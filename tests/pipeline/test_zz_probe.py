import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kyc.services.submissions import submission_send
from tests.support import builders


@pytest.mark.django_db(transaction=True)
def test_probe(emulator):
    emulator.config(auto_decision=False)
    verification = builders.customer()
    submission = builders.queued_submission(verification)
    with CaptureQueriesContext(connection) as q:
        submission_send(submission_id=submission.pk)
    for x in q.captured_queries:
        print("SQL:", x["sql"][:220])
    print("N", len(q.captured_queries))
