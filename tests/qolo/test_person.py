"""Qolo through our services and pages, against its emulator: the person created with its
KYC by the first submission, documents inline, challenge questions, screening, fixes,
the token's life, and a lost CreatePerson answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from kyc.models import (
    AuditEvent,
    CustomerState,
    FailureReason,
    ProviderCall,
    Status,
    Submission,
    Verification,
)
from kyc.providers.errors import AuthenticationError, TransientProviderError
from kyc.providers.qolo.client import QoloClient
from kyc.services.polling import processing_poll, verification_poll
from kyc.services.submissions import submission_create, submission_send
from onboarding.journey import latest_documents
from tests.pipeline.conftest import LosingProxy
from tests.qolo.conftest import CHALLENGED_SSN, kyc_data, saved, submitted
from tests.support import builders
from tests.support.builders import signed_in
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db


def logins(qolo: Any) -> int:
    return len([r for r in qolo.requests(path="/api/v1/auth/login")])


def test_the_profile_only_saves_and_the_first_submission_creates_one_person(qolo):
    verification = saved()
    assert verification.customer_state == CustomerState.DEFERRED
    assert qolo.persons() == []
    verification = submitted(verification)
    assert verification.status == Status.VERIFIED
    (listed,) = qolo.persons()
    assert verification.provider_customer_id == listed["person_guid"]
    details = qolo.person(listed["person_guid"])["person"]
    assert (details["first_name"], details["last_name"]) == ("Mary", "Jackson")
    assert (details["birth_date"], details["nationality"]) == ("1985-03-09", "USA")
    assert details["client_reference_id"] == verification.client_reference_id
    assert details["base_address"]["city"] == "San Francisco"
    ids = {i["govt_id_type"]: i["govt_id_number"] for i in details["identifications"]}
    assert ids == {"PASSPORT": "567812345", "COUNTRYID": "123456789"}

    (kyc_call,) = [r for r in qolo.requests(method="POST") if r["path"].endswith("/kyc")]
    document = kyc_call["body"]["document"]
    assert document["document_type"] == "PASSPORT"
    assert document["file_type"] == "JPEG"
    assert {"front", "back", "face_image"} <= set(document)  # inline; the log keeps lengths
    # Identity numbers and documents never reach our call records.
    stored = json.dumps(list(ProviderCall.objects.values_list("request_body", flat=True)))
    assert "123456789" not in stored
    assert "567812345" not in stored


def test_a_challenge_is_asked_and_right_answers_verify(qolo):
    verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    assert verification.status == Status.ACTION_REQUIRED
    asked = (verification.action or {})["questions"]
    assert len(asked) == 3
    assert all(q["prompt"] and len(q["options"]) >= 2 for q in asked)
    client = signed_in(verification)
    status_page = client.get(reverse("onboarding:status")).content.decode()
    assert "Answer the questions" in status_page
    page = client.get(reverse("onboarding:questions")).content.decode()
    assert 'type="radio"' in page
    assert asked[0]["prompt"] in page
    right = qolo.answers(verification.provider_customer_id)
    form = {f"question_{i}": right[q["key"]] for i, q in enumerate(asked)}
    response = client.post(reverse("onboarding:questions"), form)
    assert response["Location"] == reverse("onboarding:status")
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert verification.action is None
    # The answers were sent once and kept nowhere.
    kept = json.dumps(list(ProviderCall.objects.values_list("request_body", flat=True)))
    kept += json.dumps(list(AuditEvent.objects.values_list("note", flat=True)))
    kept += json.dumps([s.data for s in Submission.objects.all()])
    assert not [answer for answer in right.values() if answer in kept]


def test_wrong_answers_hand_the_applicant_to_our_team(qolo):
    verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    asked = (verification.action or {})["questions"]
    right = qolo.answers(verification.provider_customer_id)
    wrong = {
        f"question_{i}": next(o for o in q["options"] if o != right[q["key"]])
        for i, q in enumerate(asked)
    }
    client = signed_in(verification)
    client.post(reverse("onboarding:questions"), wrong)
    verification.refresh_from_db()
    assert (verification.status, verification.failure_reason) == (
        Status.FAILED,
        FailureReason.CHALLENGE_FAILED,
    )
    page = client.get(reverse("onboarding:status")).content.decode()
    assert "Your answers to the questions did not match." in page
    assert "Our team will contact you" in page
    assert client.get(reverse("onboarding:questions"))["Location"] == reverse("onboarding:status")


def test_an_answer_that_is_not_an_option_changes_nothing(qolo):
    verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    client = signed_in(verification)
    response = client.post(reverse("onboarding:questions"), {"question_0": "made up"}, follow=True)
    assert response.redirect_chain == [(reverse("onboarding:questions"), 303)]
    assert response.context["form"].errors
    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED
    assert not [r for r in qolo.requests(method="POST") if "answers" in (r.get("body") or {})]


def test_a_sanctions_hit_is_a_terminal_screening_failure_never_explained(qolo):
    verification = submitted(saved(family_name="SANCTION", full_name="Mary SANCTION"))
    assert (verification.status, verification.failure_reason) == (
        Status.FAILED,
        FailureReason.SCREENING,
    )
    assert verification.provider_status == "SANCTIONED"
    page = signed_in(verification).get(reverse("onboarding:status")).content.decode()
    assert "Our team will contact you" in page
    assert "sanction" not in page.lower()
    assert "screening" not in page.lower()


def test_a_failed_identity_check_asks_for_the_ssn_again_and_passes(qolo):
    # An SSN the emulator fails (our form would refuse this one: the service takes it).
    verification = submitted(tax_number="123450000")
    assert (verification.status, verification.failure_reason) == (
        Status.FAILED,
        FailureReason.TAX_NUMBER,
    )
    client = signed_in(verification)
    assert "Correct your SSN" in client.get(reverse("onboarding:status")).content.decode()
    client.post(reverse("onboarding:fix"), {"tax_number": "234-56-7890"})
    fix = Submission.objects.get(verification=verification, kind=Submission.Kind.TAX)
    builders.sent(fix)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    assert verification.corrections_used == 1
    assert len(qolo.persons()) == 1


def test_a_refused_document_is_sent_again_inline(qolo):
    qolo.config(document_outcome="fail")
    verification = submitted()
    assert (verification.status, verification.failure_reason) == (
        Status.FAILED,
        FailureReason.IDENTITY_DOCUMENT,
    )
    qolo.config(document_outcome="pass")
    builders.sent(new_document(verification))
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


def new_document(verification: Verification) -> Submission:
    """A document correction as the fix page makes it: new photos, the same details."""
    for kind in ("document_front", "document_back"):
        builders.document(verification, kind)
    data = {"document_type": "PASSPORT", "document_number": "567812345", "address": {}}
    return submission_create(
        verification=verification,
        kind=Submission.Kind.DOCUMENT,
        data={**data, "documents": latest_documents(verification)},
        actor=verification.user,
    )


def test_one_token_serves_many_calls_and_a_401_logs_in_again_once(qolo):
    client = QoloClient.from_settings()
    client.search_persons("nobody")
    client.search_persons("nobody-else")
    assert logins(qolo) == 1  # reused from the shared cache
    qolo.expire_tokens()
    client.search_persons("after-expiry")
    assert logins(qolo) == 2  # exactly one re-login, then the call went through
    fresh = QoloClient.from_settings()  # another process: the same cached token
    fresh.search_persons("shared")
    assert logins(qolo) == 2


@pytest.mark.parametrize(
    ("ours", "theirs", "field", "envelope"),
    [
        ("flat", "flat", "token", "top"),
        ("snake", "both", "access_token", "data"),
        ("snake", "snake", "jwt", "top"),
    ],
)
def test_the_login_contract_is_read_tolerantly(qolo, settings, ours, theirs, field, envelope):
    settings.QOLO_LOGIN_KEYS = ours
    qolo.config(login_keys=theirs, token_field=field, token_envelope=envelope)
    QoloClient.from_settings().search_persons("anyone")


def test_wrong_login_keys_are_a_clear_authentication_error(qolo, settings):
    settings.QOLO_LOGIN_KEYS = "snake"
    qolo.config(login_keys="flat")
    with pytest.raises(AuthenticationError):
        QoloClient.from_settings().search_persons("anyone")
    assert logins(qolo) == 1  # never a loop of logins


def test_a_lost_create_person_answer_never_makes_a_second_person(qolo, settings):
    proxy = LosingProxy(qolo.base_url)
    try:
        settings.QOLO_BASE_URL = proxy.url
        settings.QOLO_TIMEOUT = 2
        proxy.lose("/api/v1/persons")
        verification = saved()
        submission = submission_create(
            verification=verification,
            kind=Submission.Kind.INITIAL,
            data=kyc_data(verification),
            actor=verification.user,
        )
        with pytest.raises(TransientProviderError):
            submission_send(submission_id=submission.pk)  # the answer never comes back
        assert len(qolo.persons()) == 1  # Qolo created it all the same
        proxy.lost_paths.clear()
        builders.sent(submission)  # the retry finds it by our reference
    finally:
        proxy.close()
    verification.refresh_from_db()
    assert len(qolo.persons()) == 1
    assert verification.provider_customer_id == qolo.persons()[0]["person_guid"]
    assert verification.status == Status.VERIFIED


def test_polling_finds_a_decision_no_webhook_announces(qolo, settings):
    settings.QOLO_POLL_AFTER = 0
    settings.KYC_POLL_MIN_INTERVAL = 0
    qolo.config(decision_delay=0.3)
    verification = submitted(document_number="567810000")
    assert verification.status == Status.PROCESSING
    wait_for(lambda: qolo.person(verification.provider_customer_id), lambda p: not p["pending"])
    plan = processing_poll()
    assert verification.pk in [pk for pk, _delay in plan.checks]
    verification_poll(verification_id=verification.pk)
    verification.refresh_from_db()
    assert (verification.status, verification.failure_reason) == (
        Status.FAILED,
        FailureReason.TAX_NUMBER,
    )


def test_a_name_longer_than_qolo_takes_is_refused_with_a_clear_message(qolo):
    long_name = "Maximiliana-Alexandrina-Theodora"  # 32
    verification = submitted(saved(given_name=long_name + "s", full_name=long_name + "s Jackson"))
    assert verification.status == Status.UNVERIFIED
    refusal = Submission.objects.get(verification=verification)
    assert refusal.state == Submission.State.REJECTED
    assert "first_name" in refusal.last_error
    page = signed_in(verification).get(reverse("onboarding:status")).content.decode()
    assert "at most 32 characters for your given name" in page
    assert qolo.persons() == []  # refused whole: nothing was created
    # Nothing reached Qolo: the profile can be corrected.
    client = signed_in(verification)
    assert 'href="/verify/profile/"' in page
    assert client.get(reverse("onboarding:profile")).status_code == 200


def test_a_corrected_profile_is_sent_as_a_new_request(qolo):
    long_name = "Maximiliana-Alexandrina-Theodoras"  # 33: refused
    verification = submitted(saved(given_name=long_name, full_name=long_name + " Jackson"))
    assert verification.status == Status.UNVERIFIED
    client = signed_in(verification)
    form = {
        "given_name": "Max",
        "family_name": "Jackson",
        "email": verification.email,
        "nationality": "USA",
        "phone": "+1 415 555 0123",
    }
    assert client.post(reverse("onboarding:profile"), form).status_code == 302
    verification.refresh_from_db()
    assert verification.given_name == "Max"
    verification = submitted(verification)  # a new submission: not the refusal replayed
    assert verification.status == Status.VERIFIED
    (listed,) = qolo.persons()
    assert qolo.person(listed["person_guid"])["person"]["first_name"] == "Max"


def test_a_program_that_clears_at_creation_needs_nothing_more(qolo):
    qolo.config(require_document=False)
    verification = submitted()
    assert verification.status == Status.VERIFIED
    assert not [r for r in qolo.requests(method="POST") if r["path"].endswith("/kyc")]


def test_a_document_fix_keeps_every_identification(qolo):
    qolo.config(document_outcome="fail")
    verification = submitted()
    qolo.config(document_outcome="pass")
    fix = builders.sent(new_document(verification))
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    (sent,) = [
        r
        for r in qolo.requests(method="POST")
        if r["path"].endswith("/kyc") and r.get("idempotency_key", "").endswith(f"{fix.pk}:kyc")
    ]
    types = {i["govt_id_type"] for i in sent["body"]["identifications"]}
    assert types == {"PASSPORT", "COUNTRYID"}  # the SSN went again with the document's number
    images = json.dumps(list(ProviderCall.objects.values_list("request_body", flat=True)))
    assert "characters, not kept" in images  # the photos never reach our call records
