"""Emails: each one sent at the right moment (in this process, tasks run eagerly), with
the right words and links (the task function called directly, as the worker would)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from kyc.models import BankAccount
from kyc.services.banks import bank_apply_status
from kyc.tasks import send_user_email
from tests.onboarding.conftest import accepted_documents, created_verification, local_verification
from tests.support import builders

pytestmark = pytest.mark.django_db
BASE = "https://kyc.example.com"


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def committed(django_capture_on_commit_callbacks, eager_tasks):
    """Run what the code defers to after commit, with its tasks, in this process."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def move(verification, status, reason=""):
    builders.reported(verification, status, reason)


def subjects():
    return [message.subject for message in mail.outbox]


def test_submission_received_when_the_first_submission_is_sent(
    signed_in, user, emulator, committed
):
    verification = created_verification(user)
    accepted_documents(verification)
    form = {
        "address_line1": "12 MG Road",
        "city": "Bengaluru",
        "postal_code": "560001",
        "address_country": "IND",
        "dob": "1990-04-01",
        "tax_number": "ABCPE1234F",
        "document_type": "PASSPORT",
        "document_number": "J8369854",
        "info_0": "5-10L",
        "info_1": "Engineer",
    }
    with committed():
        signed_in.post(reverse("onboarding:kyc"), form)
    assert subjects() == ["We received your documents"]
    assert mail.outbox[0].to == [user.email]
    assert f"{BASE}/verify/status/" in mail.outbox[0].body


def test_verified_and_nothing_for_processing(user, committed):
    verification = local_verification(user)
    with committed():
        move(verification, "PROCESSING")
    assert mail.outbox == []
    with committed():
        move(verification, "VERIFIED")
    assert subjects() == ["Your identity is verified"]
    assert f"{BASE}/verify/status/" in mail.outbox[0].body


def test_failed_links_to_the_fix_page_with_the_attempts_left(user, committed):
    verification = local_verification(user, corrections_used=1)
    move(verification, "PROCESSING")
    with committed():
        move(verification, "FAILED", "TAX_VERIFICATION_FAILED")
    assert subjects() == ["We could not verify your identity"]
    body = mail.outbox[0].body
    assert f"{BASE}/verify/fix/" in body
    assert "2 attempts left" in body


def test_failed_without_attempts_says_our_team_will_contact_you(user, committed):
    verification = local_verification(user, corrections_used=3)
    move(verification, "PROCESSING")
    with committed():
        move(verification, "FAILED", "KYC_FAILED")
    body = mail.outbox[0].body
    assert "Our team will contact you by email within 2 working days" in body
    assert f"Your reference: {verification.reference}" in body
    assert "support@localhost" in body
    assert "/verify/fix/" not in body
    assert "attempt" not in body


@pytest.mark.parametrize(
    ("kind", "status", "subject", "said"),
    [
        ("vpa", "VERIFIED", "Your UPI ID is verified", "Your UPI ID pr•••@okaxis is verified"),
        ("vpa", "FAILED", "We could not verify your UPI ID", "verify the UPI ID pr•••@okaxis"),
        ("account", "VERIFIED", "Your bank account is verified", "bank account pr•••@okaxis"),
        ("account", "FAILED", "We could not verify your bank account", "bank account pr•••"),
    ],
)
def test_bank_account_decided(user, committed, kind, status, subject, said):
    verification = local_verification(user, status="VERIFIED")
    bank = BankAccount.objects.create(
        verification=verification,
        kind=kind,
        vpa="priya@okaxis",
        label="pr•••@okaxis",
        status="PROCESSING",
    )
    with committed():
        bank_apply_status(bank_id=bank.pk, status=status, failure_reason="", source="provider")
    assert subjects() == [subject]
    assert said in mail.outbox[0].body
    assert "priya@okaxis" not in mail.outbox[0].body  # only the label, never the full ID


@pytest.mark.parametrize(
    ("template", "subject", "link"),
    [
        ("submission_received", "We received your documents", "/verify/status/"),
        ("verified", "Your identity is verified", "/verify/status/"),
        ("failed", "We could not verify your identity", "/verify/fix/"),
        ("bank_verified", "Your bank account is verified", ""),
        ("bank_failed", "We could not verify your bank account", "/verify/status/"),
    ],
)
def test_each_email_as_the_worker_renders_it(user, template, subject, link):
    verification = local_verification(user, full_name="Zara Khan")
    verification.status, verification.failure_reason = "FAILED", "tax_number"
    verification.save()
    send_user_email(verification_id=verification.pk, template=template, bank="•••• 9012")
    message = mail.outbox[0]
    assert message.subject == subject
    assert "Hello Zara Khan," in message.body
    assert link in message.body
    assert (BASE + link in message.body) or not link
