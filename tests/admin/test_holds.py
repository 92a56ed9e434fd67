"""Holds (issue 16, item 3): an officer holds any verification with a reason code and a note,
the applicant's bank step is then refused on the page (what they typed kept) and they are not
ready to transact, the officer lifts it with a note; audited, filterable, shown as a badge."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kyc.models import AuditEvent, BankAccount, Status, Verification
from kyc.services.readiness import ready_to_transact
from tests.admin.conftest import verification_row
from tests.admin.test_actions import action_url, run
from tests.onboarding.conftest import make_user, post_with_errors, verified_verification

pytestmark = pytest.mark.django_db
LIST = reverse("admin:kyc_verification_changelist")
BANK = reverse("onboarding:bank")
STATUS = reverse("onboarding:status")
ACCOUNT = {"kind": "account", "account_number": "123456789012", "ifsc": "SBIN0001234"}
HOLD_NOTICE = "Your account is being reviewed by our team."


def change_url(verification: Verification) -> str:
    return reverse("admin:kyc_verification_change", args=[verification.pk])


def applicant(emulator: Any) -> tuple[Client, Verification]:
    user = make_user()
    client = Client()
    client.force_login(user)
    return client, verified_verification(user, emulator)


def hold(client: Client, verification: Verification, **data: Any) -> list[str]:
    values = {"confirm": "yes", "reason": "suspected_fraud", "note": "Two sign-ups, one face"}
    return run(client, verification, "hold", **(values | data))


def test_a_hold_blocks_the_bank_step_until_it_is_lifted(emulator, officer_client, officer):
    client, verification = applicant(emulator)
    assert ready_to_transact(verification)
    form = officer_client.get(action_url(verification, "hold")).content.decode()
    assert "Sanctions review" in form
    assert "Customer request" in form
    assert hold(officer_client, verification) == ["On hold: Suspected fraud."]
    assert verification.held_by == officer
    assert verification.hold_reason == "suspected_fraud"
    placed = AuditEvent.objects.get(verification=verification, action="hold_placed")
    assert (placed.actor, placed.source) == (officer, "staff")
    assert placed.note == "suspected_fraud: Two sign-ups, one face"
    assert not ready_to_transact(verification)

    # The applicant: the page says why; a posted account is refused, what was typed kept.
    assert HOLD_NOTICE in client.get(BANK).content.decode()
    refused = post_with_errors(client, BANK, ACCOUNT)
    text = refused.content.decode()
    assert HOLD_NOTICE in text
    assert 'value="123456789012"' in text
    assert not BankAccount.objects.filter(verification=verification).exists()
    status = client.get(STATUS).content.decode()
    assert "Under review by our team" in status
    assert "ready to transact" not in status

    assert run(officer_client, verification, "lift_hold", confirm="yes", note="Cleared") == [
        "The hold was lifted."
    ]
    lifted = AuditEvent.objects.get(verification=verification, action="hold_lifted")
    assert lifted.actor == officer
    assert lifted.note == "was suspected_fraud: Cleared"
    assert ready_to_transact(verification)
    assert client.post(BANK, ACCOUNT)["Location"] == BANK
    assert BankAccount.objects.filter(verification=verification).count() == 1


def test_a_hold_needs_a_reason_code_and_a_note_and_refusals_leave_no_trace(officer_client):
    verification = verification_row()
    assert hold(officer_client, verification, note="  ") == ["Write a note."]
    assert hold(officer_client, verification, reason="bored") == [
        "Choose why the verification is put on hold."
    ]
    assert verification.held_at is None
    assert hold(officer_client, verification)[0].startswith("On hold")
    # Already held: refused (the button is not even offered), nothing recorded twice.
    page = officer_client.get(change_url(verification)).content.decode()
    assert action_url(verification, "hold") not in page
    assert action_url(verification, "lift_hold") in page
    assert officer_client.post(action_url(verification, "hold")).status_code == 403
    assert AuditEvent.objects.filter(action="hold_placed").count() == 1
    assert run(officer_client, verification, "lift_hold", confirm="yes", note="") == [
        "Write a note."
    ]
    assert not AuditEvent.objects.filter(action="hold_lifted").exists()


def test_a_viewer_sees_the_hold_but_cannot_place_or_lift_it(officer_client, viewer_client):
    verification = verification_row()
    hold(officer_client, verification)
    page = viewer_client.get(change_url(verification)).content.decode()
    assert "On hold: Suspected fraud" in page
    assert action_url(verification, "lift_hold") not in page
    response = viewer_client.post(
        action_url(verification, "lift_hold"), {"confirm": "yes", "note": "x"}
    )
    assert response.status_code == 403
    verification.refresh_from_db()
    assert verification.held_at is not None


def list_queries(client: Client, query: str) -> tuple[int, set[str]]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200
    names = {v.full_name for v in response.context["cl"].result_list}
    return len(context.captured_queries), names


def test_the_on_hold_filter_and_badge_without_extra_queries(officer_client):
    held = [verification_row() for _ in range(3)]
    free = verification_row()
    for verification in held:
        hold(officer_client, verification)
    few, names = list_queries(officer_client, "on_hold=yes")
    assert names == {v.full_name for v in held}
    assert free.full_name not in names
    page = officer_client.get(f"{LIST}?on_hold=yes").content.decode()
    assert page.count("On hold: Suspected fraud") == 3
    for _ in range(20):
        hold(officer_client, verification_row())
    many, names = list_queries(officer_client, "on_hold=yes")
    assert len(names) == 23
    assert many == few  # the badge reads the row: no query per row


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the partial index is PostgreSQL's")
def test_the_on_hold_filter_is_served_by_its_partial_index():
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        query = Verification.objects.filter(held_at__isnull=False).order_by(
            "-status_changed_at", "-id"
        )[:100]
        plan = query.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "kyc_on_hold" in plan


def test_the_heading_says_what_counts_and_the_hold():
    from django.utils import timezone

    verification = verification_row(full_name="Harish Rao", status=Status.VERIFIED)
    assert str(verification) == "Harish Rao (Verified)"
    verification.staff_decision = "rejected"
    assert str(verification) == "Harish Rao (Rejected by our team)"
    verification.held_at = timezone.now()
    assert str(verification) == "Harish Rao (Rejected by our team; on hold)"
