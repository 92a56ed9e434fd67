"""The dashboard's numbers on known data: statuses, days, decision times, failure reasons."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kyc.admin.dashboard import decision_times, percentile, period
from kyc.models import AuditEvent, BankAccount, CaseState, DashboardSnapshot, Status, Verification
from kyc.services import cases, figures
from kyc.services.access import access_record_export, access_record_view
from kyc.services.decisions import decision_record
from kyc.tasks import refresh_dashboard
from tests.admin.conftest import ROLES, ago, staff_member, verification_row, with_bank

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


# --- issue 16, item 6: the open work, officers, banks, duplicates, snapshots ----------------
@pytest.fixture
def open_work(db):
    """Open cases in each queue at known ages: SLAs are 24 h (new submissions), 48 h (failed,
    needing review) and 4 h (provider downgrades)."""
    rows = [
        # (status, case state, hours since it opened, assigned)
        (Status.PROCESSING, CaseState.OPEN, 0.5, False),
        (Status.PROCESSING, CaseState.OPEN, 2, False),
        (Status.PROCESSING, CaseState.IN_REVIEW, 30, True),  # past 24 h
        (Status.FAILED, CaseState.OPEN, 50, False),  # past 48 h
        (Status.FAILED, CaseState.OPEN, 10, False),
        (Status.PROCESSING, CaseState.WAITING, 100, False),  # not open: not counted
        (Status.FAILED, CaseState.RESOLVED, 100, False),  # resolved: not counted
        (Status.UNVERIFIED, CaseState.OPEN, 80, False),  # reopened by hand: no queue
    ]
    officer = staff_member(ROLES.OFFICER)
    for status, state, hours, assigned in rows:
        verification = verification_row(status=status)
        Verification.objects.filter(pk=verification.pk).update(
            case_state=state,
            case_opened_at=ago(hours=hours),
            assignee=officer if assigned else None,
        )
    held = verification_row(status=Status.VERIFIED)
    Verification.objects.filter(pk=held.pk).update(
        held_at=timezone.now(), case_state=CaseState.ON_HOLD, hold_reason="other"
    )


def test_the_backlog_counts_open_cases_by_queue_age_and_sla(open_work):
    by_queue = {queue.key: queue for queue in figures.backlog()}
    assert list(by_queue) == ["provider_downgrades", "new_submissions", "failed_review", ""]
    new, failed, other = by_queue["new_submissions"], by_queue["failed_review"], by_queue[""]
    # Bands: under 1 h, 1-4 h, 4-24 h, 1-3 d, over 3 d.
    assert new.by_age == (1, 1, 0, 1, 0)
    assert (new.total, new.unassigned, new.breached) == (3, 2, 1)
    assert failed.by_age == (0, 0, 1, 1, 0)
    assert (failed.total, failed.breached) == (2, 1)
    assert other.by_age == (0, 0, 0, 0, 1)
    assert other.breached == 0
    assert by_queue["provider_downgrades"].total == 0


def test_the_page_shows_the_open_work_and_links_to_the_lists(viewer_client, open_work):
    board = viewer_client.get(DASHBOARD).context["board"]
    assert (board.open_cases, board.breached, board.on_hold) == (6, 2, 1)
    page = viewer_client.get(DASHBOARD).content.decode()
    assert '<strong id="kyc-breached">2</strong>' in page
    assert "?queue=breached" in page
    assert "?queue=new_submissions" in page
    assert "?on_hold=yes" in page
    dash = "\N{EN DASH}"
    for label in ("under 1 h", f"1 h{dash}4 h", f"4 h{dash}1 d", f"1 d{dash}3 d", "over 3 d"):
        assert f'<th scope="col">{label}</th>' in page
    assert page.count('class="kyc-breached"') == 2  # the two queues with a breach
    assert "Other open cases" in page
    # Each link leads to a list that shows as many.
    listed = viewer_client.get(reverse("admin:kyc_verification_changelist") + "?queue=breached")
    assert listed.context["cl"].result_count == 2


def test_throughput_per_officer_counts_what_each_did(viewer_client, officer):
    claimed, decided = (
        verification_row(status=Status.FAILED),
        verification_row(status=Status.FAILED),
    )
    Verification.objects.filter(pk__in=[claimed.pk, decided.pk]).update(case_state=CaseState.OPEN)
    assert cases.case_claim(verification=claimed, actor=officer).done
    assert cases.case_claim(verification=decided, actor=officer).done
    decision_record(
        verification_id=decided.pk,
        actor=officer,
        decision="rejected",
        reason="suspected_fraud",
        note="Forged document",
    )
    assert cases.case_set_state(
        verification=decided, state=CaseState.RESOLVED, actor=officer, note="done"
    ).done
    # Reading pages and exporting are audited, but are not work on a case.
    access_record_view(actor=officer, verification=claimed, documents=[])
    reader = staff_member(ROLES.VIEWER)
    access_record_export(actor=reader, unmasked=False, filters={})
    other = staff_member(ROLES.OFFICER)
    assert cases.case_claim(verification=verification_row(status=Status.FAILED), actor=other).done
    # Long ago: outside the period.
    AuditEvent.objects.create(
        verification=claimed, actor=other, source="staff", action="case_claimed"
    )
    AuditEvent.objects.filter(pk=AuditEvent.objects.latest("pk").pk).update(created_at=ago(days=40))
    board = viewer_client.get(DASHBOARD).context["board"]
    rows = {row.name: row for row in board.officers}
    mine = rows[officer.username]
    assert (mine.worked, mine.claimed, mine.resolved, mine.decisions) == (2, 2, 1, 1)
    assert (rows[other.username].worked, rows[other.username].claimed) == (1, 1)
    assert board.officers[0].name == officer.username  # most cases worked first
    assert reader.username not in rows  # only read and exported
    assert mine.actions == 4  # 2 claims, a decision, a resolution: the page view left out
    page = viewer_client.get(DASHBOARD).content.decode()
    link = f"/admin/kyc/auditevent/?actor={officer.pk}&amp;created_at__gte="
    assert link in page
    href = page.split(link, 1)[1].split('"', 1)[0]  # the period's start, as the page has it
    trail = viewer_client.get(link.replace("&amp;", "&") + href)
    assert trail.status_code == 200
    assert trail.context["cl"].result_count == mine.actions + 1  # and the page view


def test_bank_failures_and_duplicates_of_the_period(viewer_client):
    for index, state in enumerate(["VERIFIED", "FAILED", "FAILED", "rejected", "PROCESSING"]):
        bank = with_bank(verification_row(status=Status.VERIFIED), number=f"12345678901{index}")
        BankAccount.objects.filter(pk=bank.pk).update(
            status=state, failure_reason="NAME_MISMATCH" if state == "FAILED" else ""
        )
    old = with_bank(verification_row(status=Status.VERIFIED), number="999999999999")
    BankAccount.objects.filter(pk=old.pk).update(
        status="FAILED", created_at=ago(days=60), status_changed_at=ago(days=60)
    )
    twins = [verification_row(status=Status.VERIFIED) for _ in range(2)]
    Verification.objects.filter(pk__in=[t.pk for t in twins]).update(has_duplicates=True)
    for twin in twins:
        AuditEvent.objects.create(verification=twin, source="system", action="duplicates_found")
    board = viewer_client.get(DASHBOARD).context["board"]
    assert (board.bank_added, board.bank_failed, board.bank_failed_share) == (5, 3, "60%")
    assert {bar.label: bar.value for bar in board.bank_reasons} == {
        "NAME_MISMATCH": 2,
        "(no reason given)": 1,
    }
    assert (board.duplicates_found, board.with_duplicates) == (2, 2)
    board = viewer_client.get(DASHBOARD + "?days=90").context["board"]
    assert (board.bank_added, board.bank_failed) == (6, 4)


def test_the_period_figures_are_kept_until_refreshed(viewer_client):
    verification_row(status=Status.VERIFIED)
    first = viewer_client.get(DASHBOARD).context["board"]
    assert {bar.label: bar.value for bar in first.statuses}["Verified"] == 1
    verification_row(status=Status.VERIFIED)
    kept = viewer_client.get(DASHBOARD).context["board"]
    assert {bar.label: bar.value for bar in kept.statuses}["Verified"] == 1  # the snapshot's
    assert kept.computed_at == first.computed_at
    assert not kept.late
    page = viewer_client.get(DASHBOARD).content.decode()
    assert "Refresh now" in page
    assert "errornote" not in page
    # Computed less than a minute ago: Refresh now waits (seconds of work at a million rows).
    refused = viewer_client.post(DASHBOARD + "?days=30", follow=True)
    assert "refresh again in a minute" in refused.content.decode()
    assert refused.context["board"].computed_at == first.computed_at
    DashboardSnapshot.objects.update(computed_at=ago(minutes=2))
    response = viewer_client.post(DASHBOARD + "?days=30", follow=True)
    assert response.redirect_chain[-1][0].endswith("?days=30")
    assert "The figures were computed again" in response.content.decode()
    fresh = response.context["board"]
    assert {bar.label: bar.value for bar in fresh.statuses}["Verified"] == 2
    assert fresh.computed_at > ago(minutes=1)


def test_figures_older_than_two_refresh_periods_are_flagged(viewer_client, settings):
    viewer_client.get(DASHBOARD)
    settings.KYC_DASHBOARD_REFRESH = 60
    DashboardSnapshot.objects.update(computed_at=ago(seconds=121))
    response = viewer_client.get(DASHBOARD)
    assert response.context["board"].late
    assert 'class="errornote" role="alert"' in response.content.decode()
    assert "scheduled refresh (Celery beat) may not be running" in response.content.decode()
    # Computed on another day: the period's days no longer match, so computed again.
    DashboardSnapshot.objects.update(computed_at=ago(days=1, seconds=5))
    assert not viewer_client.get(DASHBOARD).context["board"].late


def test_the_beat_task_refreshes_every_period(db, eager_tasks):
    assert refresh_dashboard.delay().get() == 3
    assert sorted(DashboardSnapshot.objects.values_list("days", flat=True)) == [7, 30, 90]
    assert "kyc.tasks.refresh_dashboard" in {
        entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_refresh_now_needs_the_csrf_token(viewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.post(DASHBOARD).status_code == 403
    assert not DashboardSnapshot.objects.exists()


def test_the_page_costs_the_same_queries_whatever_the_rows(viewer_client, open_work):
    viewer_client.get(DASHBOARD)  # the snapshot is made
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(DASHBOARD)
    for _ in range(5):
        verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    with CaptureQueriesContext(connection) as more:
        viewer_client.get(DASHBOARD)
    assert len(more) == len(few)
