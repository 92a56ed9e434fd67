"""Reading Qolo (no HTTP): its person statuses and history, its login answers."""

from __future__ import annotations

from typing import Any

import pytest

from kyc.models import FailureReason, Status
from kyc.providers.errors import InvalidResponseError
from kyc.providers.qolo.adapter import outcome_of
from kyc.providers.qolo.client import _read_token
from kyc.providers.qolo.types import KycResult, Person


def entry(method: str, word: str, when: str, **more: Any) -> dict[str, Any]:
    return {
        "verification_method": method,
        "verification_results": word,
        "verification_date": f"2026-12-01T10:00:0{when}Z",
        **more,
    }


def outcome(status: str, *entries: dict[str, Any]) -> Any:
    person = Person(person_guid="p-1", person_status=status)
    return outcome_of(person, KycResult.model_validate({"verificationResults": list(entries)}))


QUESTION = {"key": "q1", "prompt": "Which street?", "options": ["A", "B"]}


@pytest.mark.parametrize(
    ("status", "entries", "expected", "reason"),
    [
        ("CLEARED", [], Status.VERIFIED, ""),
        ("PEP", [entry("OFAC", "FAIL", "1")], Status.FAILED, FailureReason.SCREENING),
        ("UNVERIFIED", [], Status.PROCESSING, ""),
        # Every check passed, no document yet: the document is what is missing.
        ("UNVERIFIED", [entry("EID", "PASS", "1")], Status.FAILED, FailureReason.IDENTITY_DOCUMENT),
        ("UNVERIFIED", [entry("EID", "PENDING", "1")], Status.PROCESSING, ""),
        ("UNVERIFIED", [entry("EID", "FAIL", "1")], Status.FAILED, FailureReason.TAX_NUMBER),
        ("INCOMPLETE", [entry("DOC", "FAIL", "1")], Status.FAILED, FailureReason.IDENTITY_DOCUMENT),
        (
            "UNVERIFIED",
            [entry("EID", "FAIL", "1"), entry("EID", "PASS", "2")],  # fixed by a later attempt
            Status.FAILED,
            FailureReason.IDENTITY_DOCUMENT,
        ),
        (
            "UNVERIFIED",
            [
                entry("EID", "CHALLENGE", "1"),
                entry("OOW", "CHALLENGE", "2", questions=[QUESTION]),
                entry("OOW", "FAIL", "3", reason_code="OOW_FAILED"),
            ],
            Status.FAILED,
            FailureReason.CHALLENGE_FAILED,
        ),
        ("UNVERIFIED", [entry("XYZ", "FAIL", "1")], Status.FAILED, FailureReason.OTHER),
        (
            "UNVERIFIED",  # questions on the EID entry, closed by the later OOW answer
            [
                entry("EID", "CHALLENGE", "1", questions=[QUESTION]),
                entry("OOW", "FAIL", "2", reason_code="OOW_FAILED"),
            ],
            Status.FAILED,
            FailureReason.CHALLENGE_FAILED,
        ),
        (
            "UNVERIFIED",
            [entry("EID", "PASS", "1"), entry("DOC", "PASS", "2")],
            Status.FAILED,
            FailureReason.OTHER,  # all passed, still not cleared: our team looks
        ),
    ],
)
def test_statuses_and_history_in_neutral_terms(status, entries, expected, reason) -> None:
    result = outcome(status, *entries)
    assert (result.status, result.reason) == (expected, reason)
    assert result.provider_customer_id == "p-1"


def test_questions_wait_for_the_applicant_even_after_a_later_document_check() -> None:
    result = outcome(
        "UNVERIFIED",
        entry("EID", "CHALLENGE", "1"),
        entry("OOW", "CHALLENGE", "2", questions=[QUESTION]),
        entry("DOC", "PASS", "3"),
    )
    assert result.status == Status.ACTION_REQUIRED
    assert result.action is not None
    (question,) = result.action.questions
    assert (question.key, question.prompt, question.options) == ("q1", "Which street?", ("A", "B"))


@pytest.mark.parametrize(
    "answer",
    [
        {"token": "t-1"},
        {"access_token": "t-1", "expires_in": 3600},
        {"jwt": "t-1"},
        {"data": {"token": "t-1"}},
        {"data": {"access_token": "t-1"}},
    ],
)
def test_the_token_is_read_wherever_the_login_answer_keeps_it(answer: dict[str, Any]) -> None:
    assert _read_token(answer)[0] == "t-1"


def test_a_login_answer_without_a_token_is_refused() -> None:
    with pytest.raises(InvalidResponseError):
        _read_token({"message": "welcome"})


def test_dates_with_and_without_a_zone_compare() -> None:
    result = outcome(
        "UNVERIFIED",
        {
            "verification_method": "EID",
            "verification_results": "FAIL",
            "verification_date": "2026-12-01T10:00:01",
        },
        entry("DOC", "PASS", "2"),
    )
    assert (result.status, result.reason) == (Status.FAILED, FailureReason.TAX_NUMBER)
