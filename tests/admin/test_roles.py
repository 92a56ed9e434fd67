"""The two roles from the data migration: a viewer reads masked data and runs nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from kyc.models import AuditEvent, Status, Submission, Verification
from tests.admin.conftest import ROLES, ago, verification_row, with_bank, with_submission

pytestmark = pytest.mark.django_db

ACTION_CODENAMES = {
    "refresh_verification",
    "retry_submission",
    "request_resubmission",
    "resubmit_verification",
    "reset_verification",
    "force_outcome",
    "add_note",
    "reprocess_webhookevent",
    "reroute_verification",  # migration 0007
    "review_provider_document",  # migration 0008
    "client_override",  # migration 0009
    "review_document",  # migration 0016 (document review)
    "work_case",  # claim, assign, release cases (migration 0018, case queues)
    "hold_verification",  # migration 0019 (holds, decisions, four eyes)
    "decide_verification",
    "approve_request",
}


def codenames(group: str) -> set[str]:
    return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))


def test_the_migration_creates_both_groups_with_their_permissions():
    viewer, officer = codenames(ROLES.VIEWER), codenames(ROLES.OFFICER)
    assert viewer == {f"view_{model}" for model in ROLES.KYC_MODELS} | {
        "view_providerdocument",
        "view_approvalrequest",
    }
    assert officer == viewer | ACTION_CODENAMES | {"view_unmasked_identity"}
    editing = {
        f"{verb}_{model}" for verb in ("add", "change", "delete") for model in ROLES.KYC_MODELS
    }
    assert not officer & editing


def change_url(verification: Verification) -> str:
    return reverse("admin:kyc_verification_change", args=[verification.pk])


def action_url(verification: Verification, action: str) -> str:
    return reverse("admin:kyc_verification_staff_action", args=[verification.pk, action])


def test_a_viewer_sees_identity_numbers_masked(viewer_client):
    verification = verification_row()
    with_submission(verification, tax_number="ABCPR1234K", document_number="987654321012")
    with_bank(verification, "123456789012")
    page = viewer_client.get(change_url(verification)).content.decode()
    for number in ("ABCPR1234K", "987654321012", "123456789012"):
        assert number not in page
    assert "••••••••4K" in page
    assert "••••••••••12" in page
    assert "•••• 9012" in page


def test_an_officer_sees_identity_numbers_whole(officer_client):
    verification = verification_row()
    with_submission(verification, tax_number="ABCPR1234K", document_number="987654321012")
    with_bank(verification, "123456789012")
    page = officer_client.get(change_url(verification)).content.decode()
    for number in ("ABCPR1234K", "987654321012", "123456789012"):
        assert number in page


def test_a_viewer_is_offered_no_action(viewer_client):
    verification = verification_row()
    listing = viewer_client.get(reverse("admin:kyc_verification_changelist"))
    assert listing.status_code == 200
    assert listing.context["action_form"] is None or not listing.context["cl"].actions
    page = viewer_client.get(change_url(verification)).content.decode()
    assert "Staff actions" not in page
    assert action_url(verification, "refresh") not in page


@pytest.mark.parametrize(
    "action",
    [
        "refresh",
        "retry",
        "request_resubmission",
        "resubmit",
        "reset",
        "add_note",
        "hold",
        "lift_hold",
        "decide",
    ],
)
def test_a_viewer_cannot_post_a_detail_action(viewer_client, action):
    verification = verification_row()
    response = viewer_client.post(action_url(verification, action), {"note": "x", "confirm": "yes"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(verification=verification).exists()


def test_a_viewer_cannot_post_a_list_action(viewer_client):
    verification = verification_row()
    for action in ("refresh_selected", "reset_selected", "request_resubmission_selected"):
        response = viewer_client.post(
            reverse("admin:kyc_verification_changelist"),
            {"action": action, "_selected_action": [verification.pk], "confirm": "yes"},
            follow=True,
        )
        assert response.status_code == 200
        assert "done." not in response.content.decode()  # the list, with no action run
    assert not AuditEvent.objects.filter(verification=verification).exists()


def test_an_officer_is_offered_every_action(officer_client):
    # A state where each of them can work: failed on the tax number, a corrected one refused.
    verification = verification_row(
        status=Status.FAILED, failure_reason="tax_number", decided_at=ago(hours=1)
    )
    with_submission(verification)
    Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.TAX,
        state=Submission.State.REJECTED,
        data={"tax_number": "ABCPR9999K"},
    )
    listing = officer_client.get(reverse("admin:kyc_verification_changelist"))
    offered = {name for name, _ in listing.context["action_form"].fields["action"].choices}
    assert {"refresh_selected", "retry_selected", "request_resubmission_selected"} <= offered
    assert {"resubmit_selected", "reset_selected"} <= offered
    page = officer_client.get(change_url(verification)).content.decode()
    for action in ("refresh", "retry", "request_resubmission", "resubmit", "reset", "add_note"):
        assert action_url(verification, action) in page


def test_nobody_edits_or_deletes_verifications_in_the_admin(officer_client):
    verification = verification_row()
    page = officer_client.get(change_url(verification)).content.decode()
    assert 'name="_save"' not in page
    response = officer_client.post(change_url(verification), {"full_name": "Changed"})
    assert response.status_code == 403
    verification.refresh_from_db()
    assert verification.full_name != "Changed"
    delete = reverse("admin:kyc_verification_delete", args=[verification.pk])
    assert officer_client.post(delete, {"post": "yes"}).status_code == 403
