"""The staff services' own rules: what a correction resends, and re-queueing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kyc.models import AuditEvent, FixKind, Status, Submission
from kyc.providers.dollarpe.vocabulary import CORRECTIONS as DOLLARPE
from kyc.services import staff
from tests.admin.conftest import verification_row


def sub(minutes: int, data: dict) -> Submission:
    """An unsaved submission made `minutes` after the first."""
    return Submission(pk=minutes, created_at=timezone.now() + timedelta(minutes=minutes), data=data)


INITIAL = {
    "full_name": "Asha Rao",
    "phone": "+919812345678",
    "full_address": "12 MG Road",
    "dob": "1990-08-15",
    "tax_number": "ABCPR1234K",
    "document_type": "AADHAAR",
    "document_number": "987654321012",
    "additional_info": {"income_range": "<10L", "profession": "Engineer"},
    "documents": {"document_front": 1, "document_back": 2, "selfie": 3},
}


def test_the_latest_data_merges_updates_over_the_first_submission():
    merged = staff.latest_kyc_data(
        [
            sub(2, {"documents": {"selfie": 9}}),
            sub(0, INITIAL),
            sub(1, {"tax_number": "ABCPR5678K"}),
            sub(3, {"additional_info": {"profession": "Doctor"}}),
        ]
    )
    assert merged["tax_number"] == "ABCPR5678K"
    assert merged["documents"] == {"document_front": 1, "document_back": 2, "selfie": 9}
    assert merged["additional_info"] == {"profession": "Doctor"}  # replaced whole
    assert merged["full_address"] == "12 MG Road"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (FixKind.TAX, {"tax_number": "ABCPR1234K"}),
        (FixKind.SELFIE, {"documents": {"selfie": 3}}),
        (
            FixKind.DOCUMENT,
            {
                "full_address": "12 MG Road",
                "document_type": "AADHAAR",
                "document_number": "987654321012",
                "phone": "+919812345678",
                "documents": {"document_front": 1, "document_back": 2},
            },
        ),
        (FixKind.ADDITIONAL_INFO, {"additional_info": INITIAL["additional_info"]}),
    ],
)
def test_a_correction_resends_only_its_part(kind, expected):
    # DollarPe's four update endpoints, each with its part of the stored data.
    assert staff.correction_data(INITIAL, DOLLARPE[kind]) == expected


def test_a_structured_address_is_sent_again_where_one_was_stored():
    stored = {**INITIAL, "address": {"line1": "7 Park Street", "country": "IND"}}
    del stored["full_address"]
    again = staff.correction_data(stored, DOLLARPE[FixKind.DOCUMENT])
    assert again is not None
    assert again["address"] == {"line1": "7 Park Street", "country": "IND"}


def test_a_correction_with_a_missing_part_is_not_made():
    assert staff.correction_data({"phone": "1"}, DOLLARPE[FixKind.TAX]) is None
    assert (
        staff.correction_data({"documents": {"document_front": 1}}, DOLLARPE[FixKind.DOCUMENT])
        is None
    )


@pytest.mark.django_db
def test_a_queued_submission_is_queued_again(officer, django_capture_on_commit_callbacks):
    verification = verification_row()
    submission = Submission.objects.create(
        verification=verification, kind=Submission.Kind.INITIAL, data=INITIAL
    )
    with django_capture_on_commit_callbacks() as callbacks:
        result = staff.staff_retry_submission(verification_id=verification.pk, actor=officer)
    assert result.done
    assert len(callbacks) == 1
    submission.refresh_from_db()
    assert submission.state == Submission.State.QUEUED
    assert AuditEvent.objects.get(action="submission_requeued").actor == officer


@pytest.mark.django_db
def test_resubmit_refuses_when_a_stored_document_is_gone(officer):
    verification = verification_row(
        status=Status.FAILED, failure_reason="selfie", provider_reason="SELFIE_VERIFICATION_FAILED"
    )
    Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.INITIAL,
        state=Submission.State.SENT,
        data=INITIAL,  # refers to documents that do not exist (any more)
    )
    result = staff.staff_resubmit(verification_id=verification.pk, actor=officer)
    assert result == staff.StaffResult(False, "A stored document is no longer available.")
    assert not verification.submissions.filter(kind=Submission.Kind.SELFIE).exists()


def test_a_note_is_checked():
    assert staff.clean_note("  keep  ") == "keep"
    with pytest.raises(staff.StaffActionRefused):
        staff.clean_note("", required=True)
    with pytest.raises(staff.StaffActionRefused):
        staff.clean_note("x" * (staff.NOTE_MAX_LENGTH + 1))
