"""The status page: plain words for every stage, updates without a reload, any device."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kyc.models import Submission, Verification
from tests.onboarding.conftest import PASSWORD, local_verification
from tests.support import builders

pytestmark = pytest.mark.django_db
URL = reverse("onboarding:status")
LIVE = reverse("onboarding:status_live")


def move(verification, status, reason=""):
    change = builders.reported(verification, status, reason)
    assert change.applied, change.reason


def page(client) -> str:
    return client.get(URL).content.decode()


def test_without_a_profile_the_status_page_sends_to_the_profile(signed_in):
    assert signed_in.get(URL)["Location"] == reverse("onboarding:profile")


def test_saved_profile_waiting_for_the_provider(signed_in, user):
    local_verification(user, customer_state="pending", provider_customer_id=None)
    html = page(signed_in)
    assert "Your details are saved" in html
    assert "you do not need to type anything again" in html


def test_refused_profile_points_to_the_profile(signed_in, user):
    local_verification(user, customer_state="rejected", provider_customer_id=None)
    assert "Please check your details" in page(signed_in)


def test_not_submitted_offers_to_continue(signed_in, user):
    local_verification(user)
    html = page(signed_in)
    assert "Not submitted yet" in html
    assert reverse("onboarding:start") in html


def test_a_queued_submission_is_being_sent(signed_in, user):
    verification = local_verification(user)
    Submission.objects.create(verification=verification, kind="initial", data={})
    html = page(signed_in)
    assert "We received your information" in html
    assert "at most 24 hours" in html


def test_processing_in_plain_words_with_the_documented_expectation(signed_in, user):
    move(local_verification(user), "PROCESSING")
    html = page(signed_in)
    assert "Being checked" in html
    assert "usually takes less than a minute, and at most 24 hours" in html
    assert 'aria-live="polite"' in html


def test_verified_offers_a_bank_account(signed_in, user):
    move(local_verification(user), "VERIFIED")
    html = page(signed_in)
    assert "Your identity is verified" in html
    assert reverse("onboarding:bank") in html


@pytest.mark.parametrize(
    ("reason", "words", "action"),
    [
        ("TAX_VERIFICATION_FAILED", "We could not verify your PAN", "Correct your PAN"),
        ("DOCUMENT_VERIFICATION_FAILED", "identity document", "Send new photos"),
        ("SELFIE_VERIFICATION_FAILED", "We could not verify your selfie", "Take a new selfie"),
        (
            "ADDITIONAL_INFO_VERIFICATION_FAILED",
            "your additional information",
            "Correct your additional information",
        ),
    ],
)
def test_failed_says_what_failed_and_the_attempts_left(signed_in, user, reason, words, action):
    verification = local_verification(user, corrections_used=1)
    move(verification, "FAILED", reason)
    html = page(signed_in)
    assert words in html
    assert action in html
    assert "You have 2 attempts left out of 3." in html
    assert reverse("onboarding:fix") in html


def test_kyc_failed_or_no_attempt_left_means_our_team_will_contact_you(signed_in, user):
    verification = local_verification(user)
    move(verification, "FAILED", "KYC_FAILED")
    html = page(signed_in)
    assert "Our team will contact you" in html
    assert reverse("onboarding:fix") not in html
    Verification.objects.filter(pk=verification.pk).update(
        failure_reason="tax_number", provider_reason="TAX_VERIFICATION_FAILED", corrections_used=3
    )
    html = page(signed_in)
    assert "Our team will contact you" in html
    assert reverse("onboarding:fix") not in html


def test_the_live_answer_changes_when_the_status_does(signed_in, user):
    verification = local_verification(user)
    move(verification, "PROCESSING")
    first = signed_in.get(LIVE)
    assert first["Cache-Control"].startswith("max-age=0")
    before = first.json()
    assert not before["final"]
    assert signed_in.get(LIVE).json()["key"] == before["key"]
    move(verification, "FAILED", "TAX_VERIFICATION_FAILED")
    after = signed_in.get(LIVE).json()
    assert after["key"] != before["key"]
    assert "We could not verify your PAN" in after["html"]
    move(verification, "PROCESSING")
    move(verification, "VERIFIED")
    assert signed_in.get(LIVE).json()["final"] is True


def test_the_page_polls_the_live_answer(signed_in, user):
    move(local_verification(user), "PROCESSING")
    html = page(signed_in)
    assert f'data-live-url="{LIVE}"' in html
    assert 'data-live-interval="3"' in html
    assert "js/journey.js" in html


def test_logging_in_again_on_another_device_resumes_where_the_user_left_off(user):
    move(local_verification(user), "PROCESSING")
    device = Client()
    response = device.post(
        reverse("onboarding:login"), {"username": user.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == URL
    assert "Being checked" in response.content.decode()
