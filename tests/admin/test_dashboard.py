"""The dashboard's numbers on known data: statuses, days, decision times, failure reasons."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kyc.admin.dashboard import decision_times, percentile, period
from kyc.models import Status, Verification
from tests.admin.conftest import verification_row

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("admin:kyc_verification_dashboard")
# Seconds from submission to decision of five decided verifications.
DURATIONS = [60, 120, 180, 240, 600]


@pytest.fixture
def known(db):
    now = timezone.now()
    # Early today, whatever the time: every decision falls on today's date.
    submitted = timezone.make_aware(datetime.combine(timezone.localdate(), time(1)))
    for index, seconds in enumerate(DURATIONS):
        status = Status.FAILED if index < 2 else Status.VERIFIED
        verification = verification_row(
            status=status,
            failure_reason="tax_number" if index == 0 else "",
            submitted_at=submitted,
        )
        Verification.objects.filter(pk=verification.pk).update(
            decided_at=submitted + timedelta(seconds=seconds)
        )
    Verification.objects.filter(status=Status.FAILED, failure_reason="").update(
        failure_reason="identity_document"
    )
    verification_row(status=Status.PROCESSING, status_changed_at=now - timedelta(days=3))
    old = verification_row()
    Verification.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=2))
    # Decided long ago: outside every period, so not in the times.
    ancient = verification_row(status=Status.VERIFIED, submitted_at=now - timedelta(days=200))
    Verification.objects.filter(pk=ancient.pk).update(
        decided_at=now - timedelta(days=199), created_at=now - timedelta(days=200)
    )


def test_percentile_interpolates_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([60.0], 0.95) == 60
    assert percentile([60.0, 120, 180, 240, 600], 0.5) == 180
    assert percentile([60.0, 120, 180, 240, 600], 0.95) == pytest.approx(528)


def test_decision_times_on_known_data(known):
    start = timezone.now() - timedelta(days=30)
    decided = Verification.objects.filter(
        decided_at__gte=start, submitted_at__isnull=False, status__in=["VERIFIED", "FAILED"]
    )
    count, median, p95 = decision_times(decided)
    assert count == 5
    assert median == pytest.approx(180)
    assert p95 == pytest.approx(528)  # 240 + 0.8 x (600 - 240)


def test_the_dashboard_page_shows_the_numbers(viewer_client, known):
    response = viewer_client.get(DASHBOARD)
    assert response.status_code == 200
    board = response.context["board"]
    statuses = {bar.label: bar.value for bar in board.statuses}
    assert statuses == {
        "Not submitted": 1,
        "Waiting for the applicant": 0,
        "Being checked": 1,
        "Verified": 4,
        "Failed": 2,
    }
    # Grouped by the neutral reason, whichever provider said it, in words.
    assert {bar.label: bar.value for bar in board.reasons} == {
        "Tax number": 1,
        "Identity document": 1,
    }
    assert (board.decided, board.median, board.p95) == (5, pytest.approx(180), pytest.approx(528))
    assert board.stuck == 1  # being checked for 3 days, over the 24 h threshold
    today, two_days_ago = board.per_day[-1], board.per_day[-3]
    assert (today.started, today.verified, today.failed) == (6, 3, 2)
    assert two_days_ago.started == 1
    assert len(board.per_day) == 30
    page = response.content.decode()
    assert '<strong id="kyc-median">3 min</strong>' in page
    assert '<strong id="kyc-p95">8 min 48 s</strong>' in page
    assert "<svg" in page
    assert '<th scope="row">Tax number</th>' not in page  # it is a link
    assert "?failure_reason=tax_number" in page


def test_the_period_is_validated():
    assert period("7") == 7
    assert period("90") == 90
    assert period("31") == 30
    assert period("<script>") == 30
    assert period(None) == 30


def test_the_dashboard_is_linked_from_the_admin_index(viewer_client):
    page = viewer_client.get(reverse("admin:index")).content.decode()
    assert DASHBOARD in page


def test_the_dashboard_needs_the_view_permission(client, django_user_model):
    staff = django_user_model.objects.create_user("plain", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(DASHBOARD).status_code == 403
