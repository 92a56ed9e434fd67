"""The stepper on every journey page: the applicant's whole journey, from their provider's
capabilities, with each step done, current or still to come, and the "last checked" line
of the status page. (The pages in Chromium: tests/browser/test_progress.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kyc.models import AuditEvent, Status, Verification, WebhookEvent
from kyc.services.customers import route_fields
from onboarding.journey import checked_words
from tests.onboarding.conftest import accepted_documents, local_verification
from tests.support import builders, second_provider

pytestmark = pytest.mark.django_db
STEP = re.compile(r'class="stepper__step stepper__step--(\w+)" data-step="(\w+)"')
QUESTIONS = {
    "kind": "challenge",
    "questions": [{"key": "q1", "prompt": "Which street?", "options": ["Quincy Lane", "Elm"]}],
}


def steps(html: str) -> list[tuple[str, str]]:
    """(step, state) of the page's stepper, in order."""
    return [(key, state) for state, key in STEP.findall(html)]


def page(client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200, response
    return response.content.decode()


def move(verification: Verification, status: str, reason: str = "") -> None:
    change = builders.reported(verification, status, reason)
    assert change.applied, change.reason


DOLLARPE = ["profile", "uploads", "details", "check", "bank"]


def states(current: str, keys: list[str] = DOLLARPE) -> list[tuple[str, str]]:
    at = keys.index(current) if current else len(keys)
    order = ["done"] * at + ["current"] + ["upcoming"] * len(keys)
    return list(zip(keys, order, strict=False))


def test_a_new_applicant_starts_at_the_profile_of_the_default_providers_journey(signed_in):
    html = page(signed_in, "onboarding:profile")
    assert steps(html) == states("profile")
    assert '<nav class="stepper" aria-label="Your progress"' in html
    assert '<ol class="stepper__list">' in html
    assert 'data-step="profile" aria-current="step"' in html
    assert html.count('aria-current="step"') == 1
    assert "Step 1 of 5: Profile" in html


def test_the_status_page_shows_where_a_dollarpe_applicant_stands(signed_in, user):
    verification = local_verification(user, customer_state="pending", provider_customer_id=None)
    assert steps(page(signed_in, "onboarding:status")) == states("profile")  # being saved
    Verification.objects.filter(pk=verification.pk).update(
        customer_state="created", provider_customer_id="c-1"
    )
    assert steps(page(signed_in, "onboarding:status")) == states("uploads")  # not submitted
    accepted_documents(verification)
    assert steps(page(signed_in, "onboarding:status")) == states("details")
    move(verification, "PROCESSING")
    html = page(signed_in, "onboarding:status")
    assert steps(html) == states("check")
    assert html.count("(completed)") == 3  # said to screen readers, not only drawn
    assert "Step 4 of 5: Identity check" in html
    move(verification, "VERIFIED")
    html = page(signed_in, "onboarding:status")
    assert steps(html) == states("bank")
    # A done step links back where going back is allowed: the status, not the profile
    # (DollarPe has the customer) nor the photos (they were sent).
    assert re.search(r'<a class="stepper__link" href="/verify/status/">', html)
    assert html.count('class="stepper__link"') == 1


def test_fix_pages_and_the_bank_page_carry_the_stepper(signed_in, user):
    verification = local_verification(user, corrections_used=0)
    move(verification, "PROCESSING")
    move(verification, "FAILED", "TAX_VERIFICATION_FAILED")
    assert steps(page(signed_in, "onboarding:status")) == states("check")
    assert steps(page(signed_in, "onboarding:fix")) == states("check")
    Verification.objects.filter(pk=verification.pk).update(corrections_used=3)
    assert steps(page(signed_in, "onboarding:fix")) == states("check")  # our team's page
    move(verification, "PROCESSING")
    move(verification, "VERIFIED")
    html = page(signed_in, "onboarding:bank")
    assert steps(html) == states("bank")
    assert "Step 5 of 5: Bank account" in html


def test_the_profile_links_back_while_it_can_still_change(signed_in, user, settings):
    second_provider.enable(settings)
    # acme creates its customer with the first submission: the profile stays open.
    local_verification(user, **route_fields("acme"), provider_customer_id=None)
    html = page(signed_in, "onboarding:uploads")
    keys = ["profile", "uploads", "details", "check"]  # no bank step: acme verifies none
    assert steps(html) == states("uploads", keys)
    assert '<a class="stepper__link" href="/verify/profile/">' in html
    assert "Step 2 of 4: Photos" in html


def test_a_hosted_journey_continues_at_the_provider(signed_in, user):
    verification = local_verification(
        user, **{**route_fields("rebilly"), "customer_state": "created"}
    )
    keys = ["profile", "hosted", "check"]
    html = page(signed_in, "onboarding:status")
    assert steps(html) == states("hosted", keys)
    assert "Step 2 of 3: Documents" in html
    move(verification, "PROCESSING")
    assert steps(page(signed_in, "onboarding:status")) == states("check", keys)
    move(verification, "VERIFIED")
    html = page(signed_in, "onboarding:status")
    assert steps(html) == states("", keys)  # no bank step: every step is done
    assert 'aria-current="step"' not in html  # the language switcher marks its own
    assert "Every step is done." in html


def test_questions_become_a_step_once_the_provider_asks_them(signed_in, user):
    verification = local_verification(user, **route_fields("qolo"))
    move(verification, "PROCESSING")
    keys = ["profile", "uploads", "details", "check"]
    assert steps(page(signed_in, "onboarding:status")) == states("check", keys)
    Verification.objects.filter(pk=verification.pk).update(
        status=Status.ACTION_REQUIRED, action=QUESTIONS
    )
    asked = ["profile", "uploads", "details", "questions", "check"]
    assert steps(page(signed_in, "onboarding:status")) == states("questions", asked)
    assert steps(page(signed_in, "onboarding:questions")) == states("questions", asked)
    # Answered: the step stays in the journey, done.
    Verification.objects.filter(pk=verification.pk).update(status=Status.PROCESSING, action=None)
    AuditEvent.objects.create(verification=verification, source="user", action="challenge_answered")
    assert steps(page(signed_in, "onboarding:status")) == states("check", asked)


def test_the_live_answer_carries_the_stepper_and_the_last_check(signed_in, user):
    verification = local_verification(user)
    move(verification, "PROCESSING")
    live = reverse("onboarding:status_live")
    answer = signed_in.get(live).json()
    assert steps(answer["steps"]) == states("check")
    assert answer["checked"].strip() == ""  # never checked yet
    Verification.objects.filter(pk=verification.pk).update(
        last_checked_at=timezone.now() - timedelta(minutes=5, seconds=10)
    )
    answer = signed_in.get(live).json()
    assert "Last checked 5 minutes ago." in answer["checked"]
    assert '<time datetime="' in answer["checked"]
    move(verification, "VERIFIED")
    answer = signed_in.get(live).json()
    assert steps(answer["steps"]) == states("bank")
    assert answer["checked"].strip() == ""  # decided: nothing to wait for


def test_the_last_check_is_the_newest_poll_webhook_or_submission_answer(signed_in, user):
    verification = local_verification(user)
    move(verification, "PROCESSING")
    long_ago = timezone.now() - timedelta(hours=3, minutes=1)
    Verification.objects.filter(pk=verification.pk).update(last_checked_at=long_ago)
    html = page(signed_in, "onboarding:status")
    assert "Last checked 3 hours ago." in html
    # Outside the live region: it changes on every answer and must not be read out each time.
    live_region = html.split('aria-live="polite"', 1)[1].split("data-live-checked", 1)[0]
    assert "Last checked" not in live_region
    WebhookEvent.objects.create(provider="dollarpe", verification=verification, state="processed")
    assert "Last checked less than a minute ago." in page(signed_in, "onboarding:status")


def test_last_checked_words_in_minutes_hours_then_the_date():
    now = timezone.now()
    assert checked_words(now, now) == "Last checked less than a minute ago."
    assert checked_words(now - timedelta(seconds=61), now) == "Last checked 1 minute ago."
    assert checked_words(now - timedelta(minutes=59), now) == "Last checked 59 minutes ago."
    assert checked_words(now - timedelta(minutes=61), now) == "Last checked 1 hour ago."
    day = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert checked_words(day, day + timedelta(days=2)) == "Last checked on March 4, 2026."
    assert checked_words(now + timedelta(seconds=5), now) == "Last checked less than a minute ago."
