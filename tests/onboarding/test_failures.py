"""After a failure or a refusal, people are told what is true and what to do: the provider's
reason on the right field with what they typed kept, what failed with its likely causes and
what was sent, the last attempt said to be the last, and how our team reaches them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from kyc.fields import decrypt
from kyc.models import Submission, Verification
from kyc.tasks import send_user_email
from onboarding.prg import SESSION_KEY
from tests.onboarding.conftest import (
    created_verification,
    local_verification,
    post_with_errors,
    submitted_verification,
)
from tests.support import builders

pytestmark = pytest.mark.django_db
STATUS = reverse("onboarding:status")
DETAILS = reverse("onboarding:kyc")
FIX = reverse("onboarding:fix")


def fail(verification, reason):
    for status, why in (("PROCESSING", ""), ("FAILED", reason)):
        builders.reported(verification, status, why)
    verification.refresh_from_db()
    return verification


def refused_submission(verification, error="KYC already in use", **data):
    """The first submission as the journey makes it, refused by the provider."""
    submission = Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.INITIAL,
        state=Submission.State.REJECTED,
        last_error=error,
        data={
            "full_name": verification.full_name,
            "phone": verification.phone,
            "address": {
                "line1": "12 MG Road",
                "line2": "Flat 4",
                "city": "Bengaluru",
                "region": "Karnataka",
                "postal_code": "560001",
                "country": "IND",
            },
            "dob": "1990-04-01",
            "tax_number": "ABCPE1234F",
            "document_type": "PASSPORT",
            "document_number": "J8369854",
            "additional_info": {"income_range": "5-10L", "profession": "Engineer"},
            "documents": {},
        }
        | data,
    )
    return submission


# --- 1b: a refused submission ---------------------------------------------------------------
def test_a_refused_submission_is_never_shown_as_not_submitted(signed_in, user):
    verification = local_verification(user)
    refused_submission(verification)
    html = signed_in.get(STATUS).content.decode()
    assert "Not submitted yet" not in html
    assert "Please correct your details" in html
    assert "Your PAN or your document number is already registered to another customer." in html
    assert "Everything you typed is kept" in html


def test_the_details_page_keeps_what_was_typed_with_the_refusal_on_its_fields(
    signed_in, user, emulator
):
    verification = created_verification(user)
    builders.document(verification, "document_front")
    builders.document(verification, "document_back")
    builders.document(verification, "selfie")
    refused_submission(verification)
    response = signed_in.get(DETAILS)
    assert response.status_code == 200
    form = response.context["form"]
    for name, value in {
        "address_line1": "12 MG Road",
        "address_line2": "Flat 4",
        "city": "Bengaluru",
        "postal_code": "560001",
        "tax_number": "ABCPE1234F",
        "document_number": "J8369854",
        "document_type": "PASSPORT",
    }.items():
        assert form[name].value() == value, name
    assert form.errors["tax_number"] == [
        "This PAN is already registered to another customer. Check that it is yours and "
        "typed correctly."
    ]
    assert form.errors["document_number"]
    html = response.content.decode()
    assert 'href="#id_tax_number"' in html  # the error summary links to the field
    assert 'aria-invalid="true"' in html
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_refusal_is_shown_above_the_form_in_the_providers_words(
    signed_in, user, emulator
):
    verification = created_verification(user)
    for kind in ("document_front", "document_back", "selfie"):
        builders.document(verification, kind)
    refused_submission(verification, error="Something unexpected")
    response = signed_in.get(DETAILS)
    html = response.content.decode()
    assert "Our verification partner could not accept your details." in html
    assert "Something unexpected" not in html  # a raw refusal may be technical
    assert response.context["form"]["city"].value() == "Bengaluru"


# --- 1c: fix pages ------------------------------------------------------------------------------
def test_a_tax_fix_says_why_it_usually_fails_and_shows_what_was_sent_masked(
    signed_in, user, emulator
):
    sent = submitted_verification(user, tax_number="ABCPE5678F")
    verification = fail(sent, "TAX_VERIFICATION_FAILED")
    html = signed_in.get(FIX).content.decode()
    assert "We could not verify your PAN (tax number)." in html
    assert f"The name on your PAN must match your full name, {verification.full_name}." in html
    assert "What we sent" in html
    assert "••••••678F" in html
    assert "ABCPE5678F" not in html


def test_a_document_fix_asks_for_the_photos_and_the_document_fields_prefilled_not_the_address(
    signed_in, user, emulator
):
    verification = fail(submitted_verification(user), "DOCUMENT_VERIFICATION_FAILED")
    response = signed_in.get(FIX)
    html = response.content.decode()
    assert 'name="address_line1"' not in html
    assert 'name="city"' not in html
    for name in ("document_front", "document_back", "document_number", "document_type"):
        assert f'name="{name}"' in html
    assert 'name="selfie"' not in html
    details = response.context["forms"][0]
    assert details["document_number"].value() == "J8369854"
    assert details["document_type"].value() == "PASSPORT"
    assert "••••9854" in html
    assert "all four corners" in html
    front = builders.document(verification, "document_front")
    back = builders.document(verification, "document_back")
    answer = signed_in.post(
        FIX,
        {
            "document_front_id": str(front.pk),
            "document_back_id": str(back.pk),
            "document_type": "PASSPORT",
            "document_number": "K1234567",
        },
    )
    assert answer["Location"] == STATUS
    correction = Submission.objects.get(verification=verification, kind="document")
    # The address the provider has goes with it, as it was sent.
    assert correction.data["full_address"] == "12 MG Road, Bengaluru 560001, India"
    assert correction.data["document_number"] == "K1234567"
    assert correction.data["documents"] == {"document_front": front.pk, "document_back": back.pk}


# --- 1d: the last attempt, and our team --------------------------------------------------------
def test_the_last_attempt_is_announced_as_the_last(signed_in, user):
    fail(local_verification(user, corrections_used=2), "TAX_VERIFICATION_FAILED")
    for page in (STATUS, FIX):
        html = signed_in.get(page).content.decode()
        assert "This is your last attempt." in html, page
        assert "attempts left" not in html


def test_the_team_state_gives_a_timeframe_a_support_contact_and_a_reference(
    signed_in, user, settings
):
    settings.SUPPORT_EMAIL = "help@kyc.example.com"
    settings.SUPPORT_PHONE = "+91 80 4000 1234"
    settings.SUPPORT_REPLY_DAYS = 3
    verification = fail(local_verification(user), "KYC_FAILED")
    assert verification.reference.startswith("KYC-")
    assert len(verification.reference) == 12
    for page in (STATUS, FIX):
        html = signed_in.get(page).content.decode()
        assert f"Our team will contact you by email at {user.email} within 3 working days." in html
        assert '<a href="mailto:help@kyc.example.com">help@kyc.example.com</a>' in html
        assert '<a href="tel:+918040001234">+91 80 4000 1234</a>' in html
        assert verification.reference in html
        assert "attempt" not in html


def test_the_team_email_says_our_team_will_contact_you_never_correct_it(user):
    verification = fail(local_verification(user), "KYC_FAILED")
    send_user_email(verification_id=verification.pk, template="failed")
    body = mail.outbox[0].body
    assert "Our team will contact you by email within 2 working days" in body
    assert f"Your reference: {verification.reference}" in body
    assert "correct" not in body
    assert "/verify/fix/" not in body


def test_the_fix_email_names_what_failed_and_says_when_it_is_the_last_attempt(user):
    verification = fail(local_verification(user, corrections_used=2), "TAX_VERIFICATION_FAILED")
    send_user_email(verification_id=verification.pk, template="failed")
    body = mail.outbox[0].body
    assert "We could not verify your PAN (tax number)." in body
    assert "This is your last attempt" in body
    assert "/verify/fix/" in body


def test_staff_find_a_verification_by_the_reference_the_applicant_quotes(user, admin_client):
    verification = local_verification(user)
    local_verification(builders.new_user())  # another one, not found
    url = reverse("admin:kyc_verification_changelist")
    for typed in (
        verification.reference,
        verification.reference.lower(),
        f" {verification.reference} ",
    ):
        response = admin_client.get(url, {"q": typed})
        assert [row.pk for row in response.context["cl"].result_list] == [verification.pk]


# --- 1h: plain-text emails ------------------------------------------------------------------
@pytest.mark.parametrize(
    "template",
    [
        "submission_received",
        "verified",
        "failed",
        "document_refused",
        "resubmission_requested",
        "bank_verified",
        "bank_failed",
    ],
)
def test_plain_text_emails_are_not_html_escaped(user, template):
    verification = local_verification(user, full_name="Priya D'Souza & <Co>")
    send_user_email(
        verification_id=verification.pk, template=template, bank="•••• 9012", note="A & B"
    )
    message = mail.outbox[0]
    assert "Hello Priya D'Souza & <Co>," in message.body
    for escaped in ("&#x27;", "&amp;", "&lt;", "&quot;"):
        assert escaped not in message.body
        assert escaped not in message.subject


# --- 1e: notices that would contradict the panel --------------------------------------------
def test_sending_your_correction_is_said_only_while_it_is_being_sent(signed_in, user):
    verification = fail(local_verification(user), "TAX_VERIFICATION_FAILED")
    signed_in.post(FIX, {"tax_number": "ABCPE1234F"})
    html = signed_in.get(STATUS).content.decode()
    assert "We are sending your correction" in html  # queued: true
    assert "data-live-notice" in html  # the page drops it when the panel moves on

    # Another correction, whose outcome arrives before the page after the POST is shown.
    verification = Verification.objects.get(pk=verification.pk)
    Submission.objects.filter(verification=verification).delete()
    signed_in.post(FIX, {"tax_number": "ABCPE1234F"})
    Submission.objects.filter(verification=verification).update(state=Submission.State.SENT)
    builders.reported(verification, "PROCESSING")
    builders.reported(verification, "VERIFIED")
    html = signed_in.get(STATUS).content.decode()
    assert "Verified" in html
    assert "We are sending your correction" not in html


# --- 1g: every form page is no-store, and a POST with errors is answered by a redirect -----
@pytest.mark.parametrize(
    "name", ["onboarding:profile", "onboarding:kyc", "onboarding:fix", "onboarding:status"]
)
def test_form_pages_are_not_kept_by_the_browser(signed_in, user, name):
    local_verification(user, customer_state="pending")
    response = signed_in.get(reverse(name))
    assert "no-store" in response["Cache-Control"]


def test_a_post_with_errors_is_redirected_and_shown_once(signed_in, user):
    fail(local_verification(user), "TAX_VERIFICATION_FAILED")
    page = post_with_errors(signed_in, FIX, {"tax_number": "ABC"})
    assert page.context["forms"][0]["tax_number"].value() == "ABC"
    again = signed_in.get(FIX)  # shown once: a reload is a fresh form
    assert not again.context["forms"][0].is_bound


def test_the_page_after_a_post_with_errors_never_keeps_a_password(client):
    signup = reverse("onboarding:signup")
    typed = {"email": "not-an-email", "password1": "secret-words-1", "password2": "other-words"}
    page = client.post(signup, typed, follow=True)
    assert page.redirect_chain == [(signup, 303)]
    html = page.content.decode()
    assert 'value="not-an-email"' in html  # what was typed is kept...
    assert "secret-words-1" not in html  # ...but never a password
    assert "This field is required." not in html  # nor an error that was not true
    assert "not the same" in html
    kept = client.post(signup, typed)  # what the session keeps until that GET
    assert kept.status_code == 303
    stash = decrypt(client.session[SESSION_KEY]["blob"])
    assert "not-an-email" in stash
    assert "secret-words" not in stash
    assert "other-words" not in stash
