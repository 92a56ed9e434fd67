"""Work queues: each verification is a case with a state, an assignee and a queue's SLA."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from kyc.admin.cases import sla_column
from kyc.models import AuditEvent, CaseState, Status, Verification
from kyc.services import cases
from kyc.services.downgrades import downgrade_dismiss
from kyc.services.status import verification_apply_status, verification_reset_local
from tests.admin.conftest import ROLES, ago, staff_member, verification_row, with_submission

pytestmark = pytest.mark.django_db
LIST = reverse("admin:kyc_verification_changelist")


def case_events(verification: Verification, action: str = "") -> list[AuditEvent]:
    events = AuditEvent.objects.filter(verification=verification, action__startswith="case_")
    if action:
        events = events.filter(action=action)
    return list(events.order_by("pk"))


def apply(verification: Verification, status: str, reason: str = "") -> None:
    verification_apply_status(
        verification_id=verification.pk, status=status, failure_reason=reason, source="provider"
    )
    verification.refresh_from_db()


def names(response: Any) -> set[str]:
    return {v.full_name for v in response.context["cl"].result_list}


def shown(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the case follows the verification's life ---------------------------------------------
def test_the_case_follows_the_verification_through_its_life():
    verification = verification_row()
    assert verification.case_state == CaseState.WAITING  # nothing submitted yet

    apply(verification, Status.PROCESSING)
    assert verification.case_state == CaseState.OPEN
    assert verification.case_opened_at is not None
    opened = case_events(verification)[-1]
    assert (opened.from_status, opened.to_status, opened.source) == ("waiting", "open", "provider")

    apply(verification, Status.FAILED, "tax_number")  # the applicant is asked to fix it
    assert verification.case_state == CaseState.WAITING

    apply(verification, Status.PROCESSING)
    apply(verification, Status.VERIFIED)
    assert verification.case_state == CaseState.RESOLVED
    assert [e.to_status for e in case_events(verification)] == [
        "open",
        "waiting",
        "open",
        "resolved",
    ]


def test_a_failure_only_staff_can_settle_opens_the_case():
    verification = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    apply(verification, Status.FAILED, "screening")
    assert verification.case_state == CaseState.OPEN
    exhausted = verification_row(
        status=Status.PROCESSING, corrections_used=2, corrections_allowed=2
    )
    apply(exhausted, Status.FAILED, "tax_number")  # fixable, but no attempt left
    assert exhausted.case_state == CaseState.OPEN


def test_a_downgrade_reported_opens_a_resolved_case_and_dismissing_it_resolves_it(officer):
    verification = verification_row(
        status=Status.VERIFIED, case_state=CaseState.RESOLVED, status_changed_at=ago(days=3)
    )
    apply(verification, Status.FAILED, "screening")  # newer than our decision: flagged
    assert verification.status == Status.VERIFIED
    assert verification.provider_downgrade
    assert verification.case_state == CaseState.OPEN
    assert verification.case_opened_at > ago(minutes=1)  # the clock starts at the report
    downgrade_dismiss(verification_id=verification.pk, actor=officer, note="checked")
    verification.refresh_from_db()
    assert verification.case_state == CaseState.RESOLVED
    assert case_events(verification)[-1].actor == officer


def test_a_reviewed_case_stays_in_review_and_a_held_one_on_hold(officer):
    reviewed = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    cases.case_claim(verification=reviewed, actor=officer)
    apply(reviewed, Status.FAILED, "screening")
    assert (reviewed.case_state, reviewed.assignee) == (CaseState.IN_REVIEW, officer)

    held = verification_row(status=Status.PROCESSING, case_state=CaseState.ON_HOLD)
    apply(held, Status.VERIFIED)
    assert held.case_state == CaseState.ON_HOLD
    assert case_events(held) == []


def test_a_reset_waits_for_the_applicant(officer):
    verification = verification_row(status=Status.VERIFIED, case_state=CaseState.RESOLVED)
    verification_reset_local(
        verification_id=verification.pk, source="staff", actor=officer, note="redo"
    )
    verification.refresh_from_db()
    assert verification.case_state == CaseState.WAITING


# --- the staff services ----------------------------------------------------------------------
def test_claim_assign_release_are_audited_with_the_actor(officer):
    colleague = staff_member(ROLES.OFFICER)
    verification = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)

    assert cases.case_claim(verification=verification, actor=officer).done
    verification.refresh_from_db()
    assert (verification.assignee, verification.case_state) == (officer, CaseState.IN_REVIEW)

    assert cases.case_assign(
        verification=verification, actor=officer, assignee=colleague, note="she knows it"
    ).done
    verification.refresh_from_db()
    assert verification.assignee == colleague

    assert cases.case_release(verification=verification, actor=colleague).done
    verification.refresh_from_db()
    assert (verification.assignee, verification.case_state) == (None, CaseState.OPEN)

    events = case_events(verification)
    assert [(e.action, e.actor, e.from_status, e.to_status) for e in events] == [
        ("case_claimed", officer, "open", "in_review"),
        ("case_assigned", officer, "in_review", "in_review"),
        ("case_released", colleague, "in_review", "open"),
    ]
    assert events[1].note == f"to {colleague.username}: she knows it"


def test_refusals_change_and_audit_nothing(officer, viewer):
    colleague = staff_member(ROLES.OFFICER)
    verification = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    assert not cases.case_release(verification=verification, actor=officer).done
    assert not cases.case_assign(verification=verification, actor=officer, assignee=viewer).done
    cases.case_claim(verification=verification, actor=colleague)
    before = case_events(verification)
    assert not cases.case_claim(verification=verification, actor=officer).done  # someone has it
    assert not cases.case_claim(verification=verification, actor=colleague).done  # already yours
    assert not cases.case_assign(verification=verification, actor=officer, assignee=colleague).done
    verification.refresh_from_db()
    assert verification.assignee == colleague
    assert case_events(verification) == before


def test_case_set_state_puts_on_hold_and_resume_brings_it_back(officer):
    verification = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    result = cases.case_set_state(
        verification=verification, state=CaseState.ON_HOLD, actor=officer, note="AML check"
    )
    assert result.done
    verification.refresh_from_db()
    assert verification.case_state == CaseState.ON_HOLD
    event = case_events(verification)[-1]
    assert (event.actor, event.to_status, event.note) == (officer, "on_hold", "AML check")
    assert not cases.case_set_state(
        verification=verification, state=CaseState.ON_HOLD, actor=officer
    ).done
    with pytest.raises(ValueError, match="unknown case state"):
        cases.case_set_state(verification=verification, state="lost", actor=officer)

    assert cases.case_resume(verification=verification, actor=officer).done
    verification.refresh_from_db()
    assert verification.case_state == CaseState.OPEN
    assert verification.case_opened_at > ago(minutes=1)  # reopened: a fresh SLA clock


# --- queues and SLA ---------------------------------------------------------------------------
def test_queues_come_from_the_setting_and_refuse_unknown_ones():
    assert [(q.key, q.sla) for q in cases.queues()] == [
        ("provider_downgrades", timedelta(hours=4)),
        ("new_submissions", timedelta(hours=24)),
        ("failed_review", timedelta(hours=48)),
    ]
    with override_settings(KYC_CASE_QUEUES={"new_submissions": 2}):
        assert [(q.key, q.sla) for q in cases.queues()] == [("new_submissions", timedelta(hours=2))]
    with (
        override_settings(KYC_CASE_QUEUES={"everything": 2}),
        pytest.raises(ImproperlyConfigured, match="unknown queues"),
    ):
        cases.queues()
    with (
        override_settings(KYC_CASE_QUEUES={"new_submissions": "soon"}),
        pytest.raises(ImproperlyConfigured, match="hours above 0"),
    ):
        cases.queues()


def queue_rows() -> dict[str, Verification]:
    return {
        "new late": verification_row(
            full_name="new late",
            status=Status.PROCESSING,
            case_state=CaseState.OPEN,
            case_opened_at=ago(hours=25),
        ),
        "new fresh": verification_row(
            full_name="new fresh",
            status=Status.PROCESSING,
            case_state=CaseState.IN_REVIEW,
            case_opened_at=ago(hours=1),
        ),
        "failed late": verification_row(
            full_name="failed late",
            status=Status.FAILED,
            failure_reason="screening",
            case_state=CaseState.OPEN,
            case_opened_at=ago(hours=49),
        ),
        "failed fresh": verification_row(
            full_name="failed fresh",
            status=Status.FAILED,
            failure_reason="screening",
            case_state=CaseState.OPEN,
            case_opened_at=ago(hours=30),
        ),
        "downgrade late": verification_row(
            full_name="downgrade late",
            status=Status.VERIFIED,
            provider_downgrade={"status": "FAILED"},
            case_state=CaseState.OPEN,
            case_opened_at=ago(hours=5),
        ),
        "resolved": verification_row(
            full_name="resolved",
            status=Status.VERIFIED,
            case_state=CaseState.RESOLVED,
            case_opened_at=ago(days=9),
        ),
        "held": verification_row(
            full_name="held",
            status=Status.PROCESSING,
            case_state=CaseState.ON_HOLD,
            case_opened_at=ago(days=9),
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("queue=breached", {"new late", "failed late", "downgrade late"}),
        ("queue=new_submissions", {"new late", "new fresh"}),
        ("queue=failed_review", {"failed late", "failed fresh"}),
        ("queue=provider_downgrades", {"downgrade late"}),
        ("case=on_hold", {"held"}),
        ("case=in_review", {"new fresh"}),
        ("case=resolved", {"resolved"}),
    ],
)
def test_queue_and_case_state_filters(officer_client, query, expected):
    queue_rows()
    assert names(officer_client.get(f"{LIST}?{query}")) == expected


def test_the_sla_column_counts_down_and_flags_a_breach(officer_client):
    rows = queue_rows()
    listed = {v.full_name: v for v in officer_client.get(LIST).context["cl"].result_list}
    late = sla_column(listed["new late"])
    assert "SLA breached" in late
    assert "1\xa0hour ago" in late
    assert "kyc-sla--breached" in late
    assert "New submissions" in late
    fresh = sla_column(listed["failed fresh"])
    assert "17\xa0hours left" in fresh or "18\xa0hours left" in fresh
    assert "breached" not in fresh
    assert sla_column(listed["held"]) == "—"
    assert sla_column(listed["resolved"]) == "—"

    page = officer_client.get(reverse("admin:kyc_verification_change", args=[rows["new late"].pk]))
    section = page.content.decode().split('id="kyc-case-sla"')[1].split("</dd>")[0]
    assert "SLA breached" in section
    assert "kyc-sla--breached" in officer_client.get(LIST).content.decode()


def test_assignee_filters(officer, officer_client):
    colleague = staff_member(ROLES.OFFICER)
    verification_row(full_name="mine", assignee=officer, case_state=CaseState.IN_REVIEW)
    verification_row(full_name="theirs", assignee=colleague, case_state=CaseState.IN_REVIEW)
    verification_row(full_name="nobody's", case_state=CaseState.OPEN)
    assert names(officer_client.get(f"{LIST}?assignee=me")) == {"mine"}
    assert names(officer_client.get(f"{LIST}?assignee=none")) == {"nobody's"}
    assert names(officer_client.get(f"{LIST}?assignee={colleague.pk}")) == {"theirs"}
    page = officer_client.get(LIST).content.decode()
    assert "Assigned to me" in page
    assert colleague.username in page


# --- the admin actions -------------------------------------------------------------------------
def case_url(verification: Verification, action: str) -> str:
    return reverse("admin:kyc_verification_case_action", args=[verification.pk, action])


def test_an_officer_claims_assigns_and_releases_from_the_page(officer, officer_client):
    colleague = staff_member(ROLES.OFFICER)
    verification = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    page = officer_client.get(reverse("admin:kyc_verification_change", args=[verification.pk]))
    assert b'id="kyc-case-claim"' in page.content

    response = officer_client.post(case_url(verification, "claim"), follow=True)
    assert shown(response) == [f"{verification.full_name}: the case is yours."]
    verification.refresh_from_db()
    assert verification.assignee == officer

    officer_client.post(case_url(verification, "assign"), {"assignee": colleague.pk})
    verification.refresh_from_db()
    assert verification.assignee == colleague

    officer_client.post(case_url(verification, "release"))
    verification.refresh_from_db()
    assert verification.assignee is None
    assert [e.action for e in case_events(verification)] == [
        "case_claimed",
        "case_assigned",
        "case_released",
    ]
    assert officer_client.get(case_url(verification, "claim")).status_code == 405


def test_a_viewer_sees_the_case_but_a_forged_claim_is_refused(viewer_client):
    verification = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    page = viewer_client.get(reverse("admin:kyc_verification_change", args=[verification.pk]))
    assert b'id="kyc-case-state"' in page.content
    assert b'id="kyc-case-claim"' not in page.content
    response = viewer_client.post(case_url(verification, "claim"), follow=True)
    assert shown(response) == ["You may not claim, assign or release cases."]
    verification.refresh_from_db()
    assert verification.assignee is None
    assert case_events(verification) == []


def test_list_actions_claim_assign_and_release(officer, officer_client):
    colleague = staff_member(ROLES.OFFICER)
    first = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    second = verification_row(status=Status.FAILED, case_state=CaseState.WAITING)
    selected = [first.pk, second.pk]

    response = officer_client.post(
        LIST, {"action": "claim_selected", "_selected_action": selected}, follow=True
    )
    assert shown(response) == ["2 of 2 cases done."]
    assert set(Verification.objects.values_list("assignee", flat=True)) == {officer.pk}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.case_state, second.case_state) == (CaseState.IN_REVIEW, CaseState.WAITING)

    asked = officer_client.post(LIST, {"action": "assign_selected", "_selected_action": selected})
    assert asked.templates[0].name == "admin/kyc/verification/case_assign.html"
    assert colleague.username in asked.content.decode()
    response = officer_client.post(
        LIST,
        {
            "action": "assign_selected",
            "_selected_action": selected,
            "confirm": "yes",
            "assignee": colleague.pk,
        },
        follow=True,
    )
    assert shown(response) == ["2 of 2 cases done."]
    assert set(Verification.objects.values_list("assignee", flat=True)) == {colleague.pk}

    response = officer_client.post(
        LIST, {"action": "release_selected", "_selected_action": [first.pk]}, follow=True
    )
    assert shown(response) == ["1 of 1 case done."]
    first.refresh_from_db()
    assert first.assignee is None
    assert AuditEvent.objects.filter(action__startswith="case_", actor=officer).count() == 5


def test_a_viewer_forging_a_list_action_is_refused(viewer_client):
    verification = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    page = viewer_client.get(LIST).content.decode()
    assert "claim_selected" not in page
    response = viewer_client.post(
        LIST, {"action": "claim_selected", "_selected_action": [verification.pk]}, follow=True
    )
    assert shown(response) == ["You may not claim, assign or release cases."]
    verification.refresh_from_db()
    assert verification.assignee is None
    assert case_events(verification) == []


# --- no N+1, each filter indexed ---------------------------------------------------------------
def many(count: int, officer: Any) -> None:
    for index in range(count):
        verification = verification_row(
            status=Status.PROCESSING if index % 2 else Status.FAILED,
            case_state=CaseState.IN_REVIEW if index % 3 else CaseState.OPEN,
            case_opened_at=ago(hours=index),
            assignee=officer if index % 3 else None,
        )
        with_submission(verification)


def list_queries(client: Any, query: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "query",
    ["", "assignee=me", "assignee=none", "case=in_review", "queue=breached", "queue=failed_review"],
)
def test_the_case_columns_and_filters_do_not_grow_with_the_page(officer, officer_client, query):
    many(10, officer)
    ten = list_queries(officer_client, query)
    many(90, officer)
    hundred = list_queries(officer_client, query)
    assert hundred == ten
    assert hundred <= 13


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        ({"assignee": 1}, "kyc_case_assignee"),
        ({"case_state": "on_hold"}, "kyc_case_state"),
        ("breached", "kyc_case_active_opened"),
    ],
)
def test_each_case_filter_is_served_by_an_index(lookup, index):
    queryset = Verification.objects.order_by("-status_changed_at", "-id")
    if lookup == "breached":
        queryset = queryset.filter(cases.breached(timezone.now()))
    else:
        queryset = queryset.filter(**lookup)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset[:100].explain()
    assert index in plan


def test_the_migration_gives_existing_verifications_the_case_their_status_calls_for():
    from django.apps import apps as django_apps

    from tests.admin.conftest import CASES

    rows = {
        "processing": verification_row(status=Status.PROCESSING),
        "fixable": verification_row(status=Status.FAILED, failure_reason="tax_number"),
        "screening": verification_row(status=Status.FAILED, failure_reason="screening"),
        "verified": verification_row(status=Status.VERIFIED),
        "downgraded": verification_row(
            status=Status.VERIFIED, provider_downgrade={"status": "FAILED"}
        ),
        "new": verification_row(),
    }
    Verification.objects.update(case_state=CaseState.WAITING, case_opened_at=None)
    CASES.backfill(django_apps, None)
    states = {name: Verification.objects.get(pk=v.pk).case_state for name, v in rows.items()}
    assert states == {
        "processing": "open",
        "fixable": "waiting",
        "screening": "open",
        "verified": "resolved",
        "downgraded": "open",
        "new": "waiting",
    }
    opened = Verification.objects.get(pk=rows["processing"].pk)
    assert opened.case_opened_at == opened.status_changed_at
