"""The hosted journey with Rebilly, through our pages and services, against its emulator.

Profile → customer upserted under our reference; "continue" (a POST) → a KYC request and a
303 to its gatherer; the gatherer (the emulator's page, driven over HTTP) → back to us
with a hint we do not trust; the request fetched → the right state on the status page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kyc.models import AuditEvent, FailureReason, ProviderDocument, Status, Verification
from kyc.providers.registry import get_provider
from kyc.services.polling import processing_poll, verification_poll, verification_refresh
from kyc.services.status import verification_apply_outcome
from tests.onboarding.conftest import post_with_errors
from tests.rebilly.conftest import (
    RETURN_URL,
    api,
    applicant,
    decided,
    hand_off,
    requests_of,
    uploaded,
)
from tests.support.builders import signed_in

pytestmark = pytest.mark.django_db


def profile_form(**overrides: Any) -> dict[str, Any]:
    values = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1990-05-17",
        "email": "ada@example.com",
        "nationality": "USA",
        "phone": "+1 415 555 0100",
    }
    return values | overrides


def test_the_profile_step_upserts_one_customer_under_our_reference(rebilly):
    client = signed_in()
    page = client.get(reverse("onboarding:profile")).content.decode()
    assert 'name="given_name"' in page
    assert 'name="date_of_birth"' in page
    response = client.post(reverse("onboarding:profile"), profile_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:hosted")
    verification = Verification.objects.get()
    assert verification.provider == "rebilly"
    assert verification.provider_customer_id == verification.client_reference_id
    customer = api(rebilly, "GET", f"/customers/{verification.client_reference_id}")
    address = customer["primaryAddress"]
    assert (address["firstName"], address["lastName"]) == ("Ada", "Lovelace")
    assert (address["country"], address["dob"]) == ("US", "1990-05-17")  # alpha-2
    assert address["emails"][0]["value"] == "ada@example.com"
    # Sent again (a retry whose first answer was lost): still one customer.
    get_provider("rebilly").create_customer(verification)
    listed = api(rebilly, "GET", "/customers")
    assert [c["id"] for c in listed] == [verification.client_reference_id]


def test_fields_rebilly_refuses_are_shown_on_the_profile_fields(rebilly):
    client = signed_in()
    too_long = "A" * 60  # Rebilly takes 45 characters of a first name
    response = post_with_errors(
        client, reverse("onboarding:profile"), profile_form(given_name=too_long)
    )
    form = response.context["form"]
    assert form.errors["given_name"], form.errors
    assert "family_name" not in form.errors
    assert Verification.objects.get().customer_state == "rejected"
    assert api(rebilly, "GET", "/customers") == []


def test_a_conflict_is_shown_on_the_form(rebilly):
    rebilly.config(conflict_emails=["taken@example.com"])
    client = signed_in()
    response = post_with_errors(
        client, reverse("onboarding:profile"), profile_form(email="taken@example.com")
    )
    errors = response.context["form"].errors
    assert errors["email"] == [
        "A customer with the email address taken@example.com already exists."
    ]
    assert Verification.objects.get().provider_customer_id is None


def test_continue_is_a_post_answered_303_to_the_gatherer(rebilly):
    verification = applicant()
    client = signed_in(verification)
    page = client.get(reverse("onboarding:hosted"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "An identity document" in text
    assert "A proof of address" in text
    assert "A selfie" in text
    assert 'method="post"' in text
    assert requests_of(rebilly, verification.client_reference_id) == []  # a GET starts nothing

    response = client.post(reverse("onboarding:hosted"))
    assert response.status_code == 303
    (created,) = requests_of(rebilly, verification.client_reference_id)
    gatherer = next(link["href"] for link in created["_links"] if link["rel"] == "gatherer")
    assert response["Location"] == gatherer
    assert created["redirectUrl"] == RETURN_URL
    wanted = {d["type"]: d for d in created["documents"]}
    assert set(wanted) == {"identity-proof", "address-proof"}
    assert wanted["identity-proof"]["faceProofRequired"] is True
    assert wanted["identity-proof"]["maxAttempts"] == 3

    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED
    assert verification.provider_case_id == created["id"]
    action = verification.action
    assert action is not None
    assert (action["kind"], action["url"]) == ("hosted", "")  # the signed link is never kept
    expires = datetime.fromisoformat(created["expirationTime"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(action["expires_at"]) == expires
    # A second tab (or a double click): the same request, the same link.
    again = client.post(reverse("onboarding:hosted"))
    assert again["Location"] == gatherer
    assert len(requests_of(rebilly, verification.client_reference_id)) == 1
    assert (
        AuditEvent.objects.filter(verification=verification, action="hosted_started").count() == 1
    )


def test_the_legacy_gatherer_link_name_is_followed_too(rebilly):
    rebilly.config(gatherer_rel="kycGatherer")
    verification = applicant()
    response = signed_in(verification).post(reverse("onboarding:hosted"))
    assert response.status_code == 303
    assert "/gatherer" in response["Location"]


def returned(client: Client, location: str) -> Any:
    """Follow the gatherer's redirect back to our return URL, as the browser would."""
    parts = urlsplit(location)
    assert parts.path == reverse("onboarding:hosted_return")
    return client.get(f"{parts.path}?{parts.query}", follow=True)


def test_success_is_only_a_hint_the_request_itself_is_fetched(rebilly):
    verification = applicant()
    client = signed_in(verification)
    gatherer = client.post(reverse("onboarding:hosted"))["Location"]
    location = rebilly.gatherer_submit(
        gatherer, {"identity-proof": "accept", "address-proof": "accept"}
    )
    assert "info=success" in location
    page = returned(client, location)
    assert "Thank you" in page.content.decode()
    verification.refresh_from_db()
    # Just back: the emulator is still analysing, and the page says so, whatever info said.
    assert verification.status in (Status.PROCESSING, Status.VERIFIED)
    decided(rebilly, verification.provider_case_id)
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    documents = ProviderDocument.objects.filter(verification=verification)
    assert {d.status for d in documents} == {ProviderDocument.State.ACCEPTED}
    assert {d.type for d in documents} == {"identity", "address"}


def test_a_forged_success_hint_changes_nothing(rebilly):
    verification = applicant()
    client = signed_in(verification)
    client.post(reverse("onboarding:hosted"))
    client.get(reverse("onboarding:hosted_return") + "?info=success", follow=True)
    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED  # nothing was uploaded


def test_back_offers_to_continue_again(rebilly):
    verification = applicant()
    client = signed_in(verification)
    gatherer = client.post(reverse("onboarding:hosted"))["Location"]
    location = rebilly.gatherer_submit(gatherer, {}, action="back")
    assert "info=back" in location
    page = returned(client, location).content.decode()
    assert "You left before finishing" in page
    assert 'action="' + reverse("onboarding:hosted") + '"' in page
    assert client.post(reverse("onboarding:hosted"))["Location"] == gatherer


def test_an_expired_request_is_found_by_polling_and_can_be_started_again(rebilly, settings):
    settings.KYC_POLL_AFTER = 0
    settings.KYC_POLL_MIN_INTERVAL = 0
    verification = applicant()
    client = signed_in(verification)
    client.post(reverse("onboarding:hosted"))
    verification.refresh_from_db()
    first_case = verification.provider_case_id
    rebilly.expire(first_case)  # Rebilly sends no webhook for this

    plan = processing_poll()
    assert verification.pk in [pk for pk, _delay in plan.checks]
    verification_poll(verification_id=verification.pk)
    verification.refresh_from_db()
    assert (verification.status, verification.failure_reason) == (
        Status.FAILED,
        FailureReason.REQUEST_EXPIRED,
    )
    page = client.get(reverse("onboarding:status")).content.decode()
    assert "Start again" in page

    response = client.post(reverse("onboarding:hosted"))
    assert response.status_code == 303
    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED
    assert verification.provider_case_id != first_case
    assert verification.corrections_used == 1
    assert len(requests_of(rebilly, verification.client_reference_id)) == 2


def test_token_expired_shows_the_fetched_state_and_offers_a_new_start(rebilly):
    verification = applicant()
    client = signed_in(verification)
    gatherer = client.post(reverse("onboarding:hosted"))["Location"]
    verification.refresh_from_db()
    rebilly.expire(verification.provider_case_id)
    location = rebilly.gatherer_submit(gatherer, {})  # the page itself sends the browser back
    assert "info=token_expired" in location
    page = returned(client, location).content.decode()
    assert "expired" in page
    assert "Start again" in page


def test_a_refused_document_is_explained_and_uploaded_again(rebilly):
    verification = applicant()
    client = signed_in(verification)
    gatherer = client.post(reverse("onboarding:hosted"))["Location"]
    outcomes = {"identity-proof": "reject:document-expired", "address-proof": "accept"}
    returned(client, rebilly.gatherer_submit(gatherer, outcomes))
    decided(rebilly, Verification.objects.get().provider_case_id)
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED
    assert (verification.action or {}).get("kind") == "reupload"
    refused = ProviderDocument.objects.get(verification=verification, status="rejected")
    assert (refused.type, refused.provider_reason, refused.attempts_left) == (
        "identity",
        "document-expired",
        2,
    )
    page = client.get(reverse("onboarding:status")).content.decode()
    assert "was refused: it has expired" in page
    assert "2 attempts left for this document." in page
    assert "Upload a new document" in page

    again = client.post(reverse("onboarding:hosted"))
    assert again["Location"] == gatherer  # the same request: Rebilly counts the attempts
    verification = uploaded(rebilly, verification, gatherer, {"identity-proof": "accept"})
    assert verification.status == Status.VERIFIED


def test_using_up_the_attempts_hands_the_applicant_to_our_team(rebilly, settings):
    settings.REBILLY_MAX_ATTEMPTS = 1
    settings.REBILLY_REQUIRE_ADDRESS_PROOF = False
    verification = applicant()
    client = signed_in(verification)
    gatherer = client.post(reverse("onboarding:hosted"))["Location"]
    verification = uploaded(
        rebilly, verification, gatherer, {"identity-proof": "reject:tampered-document"}
    )
    assert (verification.status, verification.failure_reason) == (
        Status.FAILED,
        FailureReason.ATTEMPTS_EXHAUSTED,
    )
    page = client.get(reverse("onboarding:status")).content.decode()
    assert "Our team will contact you" in page
    assert client.post(reverse("onboarding:hosted")).status_code == 302  # nothing to continue


def test_a_credit_file_match_verifies_at_once(rebilly, settings):
    # Emulator-only reading of Rebilly's sandbox rule: first name "accept" passes the
    # credit-file check, and the request is fulfilled in the answer that creates it.
    settings.REBILLY_CREDIT_FILE = True
    verification = applicant(given_name="accept", full_name="accept Lovelace")
    response = signed_in(verification).post(reverse("onboarding:hosted"))
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:status")
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


def test_hand_off_service_refuses_once_verified(rebilly, settings):
    settings.REBILLY_CREDIT_FILE = True
    verification = applicant(given_name="accept", full_name="accept Lovelace")
    hand_off(verification)
    from kyc.services.hosted import HandOffRefused

    with pytest.raises(HandOffRefused):
        hand_off(verification)


def refused_and_read(rebilly, verification, why, on_commit):
    """The identity document refused for `why`, the address accepted, and the worker reads
    the outcome (emails in mail.outbox, only those)."""
    gatherer = hand_off(verification).url
    outcomes = {"identity-proof": f"reject:{why}", "address-proof": "accept"}
    rebilly.gatherer_submit(gatherer, outcomes)
    decided(rebilly, Verification.objects.get().provider_case_id)
    mail.outbox.clear()
    with on_commit(execute=True):
        verification_refresh(verification_id=verification.pk)


def test_the_applicant_is_emailed_what_was_refused_and_how_to_start_again(
    rebilly, django_capture_on_commit_callbacks, eager_tasks, settings
):
    settings.PUBLIC_BASE_URL = "https://kyc.example"
    verification = applicant()
    refused_and_read(
        rebilly, verification, "document-unreadable", django_capture_on_commit_callbacks
    )
    (refused,) = mail.outbox
    assert refused.subject == "Please send a new document"
    assert "was refused: it could not be read" in refused.body
    assert "https://kyc.example/verify/status/" in refused.body

    verification.refresh_from_db()
    rebilly.expire(verification.provider_case_id)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        verification_refresh(verification_id=verification.pk)
    (failed,) = mail.outbox
    assert "Start again here: https://kyc.example/verify/status/" in failed.body
    assert "Our team will contact you" not in failed.body


def test_a_request_rebilly_failed_is_never_replaced_by_a_new_one(rebilly):
    verification = applicant()
    client = signed_in(verification)
    gatherer = client.post(reverse("onboarding:hosted"))["Location"]
    verification.refresh_from_db()
    for _attempt in range(3):
        rebilly.gatherer_submit(gatherer, {"identity-proof": "reject:document-expired"})
        decided(rebilly, verification.provider_case_id)
    # Failed at Rebilly, not yet here: the applicant presses "continue" in an old tab.
    assert verification.status == Status.ACTION_REQUIRED
    response = client.post(reverse("onboarding:hosted"))
    assert response["Location"] == reverse("onboarding:status")
    assert len(requests_of(rebilly, verification.client_reference_id)) == 1
    verification.refresh_from_db()
    assert verification.status == Status.FAILED


def test_news_of_an_older_request_never_overrides_the_current_one(rebilly, settings):
    verification = applicant()
    hand_off(verification)
    verification.refresh_from_db()
    first = verification.provider_case_id
    rebilly.expire(first)
    verification_refresh(verification_id=verification.pk)
    hand_off(verification)  # started again
    verification.refresh_from_db()
    assert verification.provider_case_id != first
    # A poll that fetched the first request before the restart, applied after it:
    older = Verification(
        provider_case_id=first, provider_customer_id=verification.provider_customer_id
    )
    late = get_provider("rebilly").current(older)
    change = verification_apply_outcome(
        verification_id=verification.pk, outcome=late, source="provider"
    )
    assert not change.applied
    verification.refresh_from_db()
    assert verification.provider_case_id != first
    assert verification.status == Status.ACTION_REQUIRED


def test_restarts_are_limited(rebilly, settings):
    settings.REBILLY_RESTARTS = 1
    verification = applicant()
    client = signed_in(verification)
    client.post(reverse("onboarding:hosted"))
    for _round in range(2):
        verification.refresh_from_db()
        rebilly.expire(verification.provider_case_id)
        verification_refresh(verification_id=verification.pk)
        client.post(reverse("onboarding:hosted"))
    verification.refresh_from_db()
    assert (verification.status, verification.corrections_used) == (Status.FAILED, 1)
    assert len(requests_of(rebilly, verification.client_reference_id)) == 2
    assert "Our team will contact you" in client.get(reverse("onboarding:status")).content.decode()


def test_a_refused_document_is_worded_in_the_applicants_language_not_the_workers(
    rebilly, django_capture_on_commit_callbacks, eager_tasks, settings
):
    # The worker reads the refusal (in English); the applicant chose Hindi: the page and the
    # email say it in Hindi, and the stored text stays the worker's, for staff.
    verification = applicant()
    Verification.objects.filter(pk=verification.pk).update(language="hi")
    refused_and_read(rebilly, verification, "document-expired", django_capture_on_commit_callbacks)
    refused = ProviderDocument.objects.get(verification=verification, status="rejected")
    assert "was refused: it has expired" in refused.user_text
    hindi = "अस्वीकार कर दिया गया: इसकी वैधता समाप्त हो चुकी है"
    (email,) = mail.outbox
    assert hindi in email.body
    client = signed_in(verification)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    page = client.get(reverse("onboarding:status")).content.decode()
    assert hindi in page
    assert "was refused" not in page
