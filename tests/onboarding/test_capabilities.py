"""The journey follows the applicant's provider: its steps, photos, fields and outcomes.

DollarPe asks for three photos and a PAN, then verifies bank accounts; the second
provider of these tests asks for two photos, no tax number, given and family names
apart, creates its customer with the first submission, and verifies no bank account.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kyc.models import AuditEvent, CustomerState, Status, Submission, Verification
from kyc.providers.interface import Capabilities
from kyc.providers.registry import capabilities
from kyc.services.customers import verification_save_profile
from kyc.services.documents import SubmissionDocuments
from kyc.services.polling import processing_poll
from kyc.services.status import verification_apply_status
from kyc.services.submissions import submission_create, submission_send
from onboarding.steps import journey_steps
from tests.onboarding.conftest import created_verification, local_verification
from tests.support import builders, images, second_provider

pytestmark = pytest.mark.django_db
US_TO_ACME = [{"id": "us-acme", "provider": "acme", "nationality": ["USA"]}]


@pytest.fixture
def acme(settings: Any) -> None:
    second_provider.enable(settings, routing=US_TO_ACME)


def failed(verification: Verification, reason: str) -> None:
    """The provider reports a failure, in the core's words."""
    change = verification_apply_status(
        verification_id=verification.pk,
        status=Status.FAILED,
        failure_reason=reason,
        source="provider",
    )
    assert change.applied, change.reason


def page(client: Any, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200, response
    return response.content.decode()


def test_dollarpe_asks_three_photos_in_a_three_step_journey(signed_in, user, emulator):
    html = page(signed_in, "onboarding:profile")
    assert "Step 1 of 5: Profile" in html  # profile, photos, details, check, bank
    assert 'name="full_name"' in html
    assert 'name="given_name"' not in html
    created_verification(user)
    html = page(signed_in, "onboarding:uploads")
    assert "Step 2 of 5: Photos" in html
    for kind in ("document_front", "document_back", "selfie"):
        assert f'data-kind="{kind}"' in html


def test_the_second_providers_journey_from_profile_to_verified(
    signed_in, user, acme, eager_tasks, django_capture_on_commit_callbacks
):
    profile = page(signed_in, "onboarding:profile")
    assert 'name="given_name"' in profile
    assert 'name="family_name"' in profile
    assert 'name="full_name"' not in profile
    answer = signed_in.post(
        reverse("onboarding:profile"),
        {
            "given_name": " Ada ",
            "family_name": "Lovelace",
            "email": user.email,
            "nationality": "USA",
            "phone": "+1 415 555 0100",
        },
    )
    assert answer["Location"] == reverse("onboarding:uploads")  # nothing created yet
    verification = Verification.objects.get(user=user)
    assert (verification.provider, verification.customer_state) == ("acme", CustomerState.DEFERRED)
    assert (verification.given_name, verification.family_name) == ("Ada", "Lovelace")
    assert verification.full_name == "Ada Lovelace"
    assert not verification.provider_calls.exists()

    uploads = page(signed_in, "onboarding:uploads")
    assert "Step 2 of 4: Photos" in uploads  # no bank step: it verifies no bank account
    assert 'data-kind="document_front"' in uploads
    assert 'data-kind="selfie"' in uploads
    assert 'data-kind="document_back"' not in uploads  # only the kinds it takes
    sent = signed_in.post(
        reverse("onboarding:uploads"),
        {
            "document_front": SimpleUploadedFile("front.png", images.png()),
            "selfie": SimpleUploadedFile("me.jpg", images.jpeg()),
        },
    )
    assert sent["Location"] == reverse("onboarding:kyc")
    presign = signed_in.post(reverse("onboarding:presign"), {"kind": "document_back"})
    assert presign.status_code == 409  # a kind this provider does not take

    details = page(signed_in, "onboarding:kyc")
    assert "Step 3 of 4: Details" in details
    assert 'name="tax_number"' not in details  # it asks for no tax number
    assert '<option value="ID_CARD">ID card</option>' in details
    form = {
        "address_line1": "12 Main Street",
        "city": "San Francisco",
        "postal_code": "94105",
        "address_country": "USA",
        "dob": "1990-04-01",
        "document_type": "PASSPORT",
        "document_number": "X1234567",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_in.post(reverse("onboarding:kyc"), form)["Location"] == reverse(
            "onboarding:status"
        )
    submission = Submission.objects.get(verification=verification)
    assert submission.state == Submission.State.SENT
    (given,) = second_provider.SENT
    assert set(given["files"]) == {"document_front", "selfie"}
    assert given["files"]["document_front"] == (images.png(), "image/png")  # the bytes, inline
    assert given["data"]["address"]["city"] == "San Francisco"
    verification.refresh_from_db()
    # The first submission created the customer, as its capabilities say.
    assert verification.provider_customer_id == f"acme-{verification.client_reference_id}"
    assert verification.customer_state == CustomerState.CREATED
    assert verification.status == Status.PROCESSING
    assert AuditEvent.objects.filter(verification=verification, action="customer_created").exists()
    assert "Acme decides within the hour." in page(signed_in, "onboarding:status")

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        verification_apply_status(
            verification_id=verification.pk, status=Status.VERIFIED, source="provider"
        )
    status = page(signed_in, "onboarding:status")
    assert "You are ready to transact." in status
    assert reverse("onboarding:bank") not in status  # it verifies no bank account
    assert signed_in.get(reverse("onboarding:bank"))["Location"] == reverse("onboarding:status")
    (email,) = mail.outbox
    assert "You are ready to transact" in email.body
    assert "bank" not in email.body.lower()


def test_without_a_correction_limit_no_count_is_shown(signed_in, user, acme, settings):
    verification = local_verification(
        user, provider="acme", corrections_allowed=None, status=Status.PROCESSING
    )
    failed(verification, "identity_document")
    html = page(signed_in, "onboarding:status")
    assert "We could not verify your identity document." in html
    assert "attempt" not in html  # no "N attempts left out of M" without a limit
    fix = page(signed_in, "onboarding:fix")
    assert 'name="document_front"' in fix
    assert 'name="document_back"' not in fix


def test_a_failure_its_provider_cannot_take_a_correction_for_goes_to_our_team(
    signed_in, user, acme
):
    verification = local_verification(user, provider="acme", status=Status.PROCESSING)
    failed(verification, "tax_number")  # its policy takes no tax correction
    assert "Our team will contact you" in page(signed_in, "onboarding:status")


def test_polling_finds_the_statuses_only_polling_reveals(acme, settings):
    settings.KYC_POLL_AFTER = 0
    waiting = local_verification(
        builders.new_user(), provider="acme", status=Status.ACTION_REQUIRED
    )
    dollarpe = local_verification(builders.new_user(), status=Status.ACTION_REQUIRED)
    claimed = {pk for pk, _ in processing_poll().checks}
    assert waiting.pk in claimed  # acme reports ACTION_REQUIRED changes only when asked
    assert dollarpe.pk not in claimed


def _caps(**changes: Any) -> Capabilities:
    return Capabilities(
        **{
            **{
                field: getattr(capabilities("dollarpe"), field)
                for field in Capabilities.__dataclass_fields__
            },
            **changes,
        }
    )


def test_the_steps_follow_the_collection_the_documents_questions_and_banking():
    steps = ["profile", "uploads", "details", "check", "bank"]
    assert [s.key for s in journey_steps(_caps())] == steps
    no_photos = journey_steps(_caps(document_kinds=(), banking=False))
    assert [s.key for s in no_photos] == ["profile", "details", "check"]
    hosted = journey_steps(_caps(collection="hosted", document_kinds=(), banking=False))
    assert [(s.key, s.url_name) for s in hosted] == [
        ("profile", "onboarding:profile"),
        ("hosted", "onboarding:hosted"),
        ("check", "onboarding:status"),
    ]
    asking = _caps(challenge_questions=True, banking=False)
    assert [s.key for s in journey_steps(asking)] == ["profile", "uploads", "details", "check"]
    asked = journey_steps(asking, questions=True)
    assert [s.key for s in asked] == ["profile", "uploads", "details", "questions", "check"]
    # Questions only where the provider asks any.
    assert "questions" not in [s.key for s in journey_steps(_caps(), questions=True)]


def test_a_correction_its_provider_takes_but_our_pages_do_not_goes_to_our_team(
    signed_in, user, acme
):
    verification = local_verification(user, provider="acme", status=Status.PROCESSING)
    failed(verification, "identity_data")
    status = page(signed_in, "onboarding:status")
    assert "Our team will contact you" in status
    assert reverse("onboarding:fix") not in status  # no dead "correct it" link
    assert "Our team will contact you" in page(signed_in, "onboarding:fix")


def test_a_lost_answer_to_the_first_submission_adopts_the_customer_it_created(user, acme):
    verification = verification_save_profile(
        user=user,
        profile=builders.profile(nationality="USA", phone="+14155550100", full_name="Ada L"),
    )
    assert verification.customer_state == CustomerState.DEFERRED
    data = {
        "documents": {
            kind: builders.document(verification, kind, images.jpeg()).pk
            for kind in ("document_front", "selfie")
        }
    }
    submission = submission_create(
        verification=verification, kind=Submission.Kind.INITIAL, data=data, actor=user
    )
    # A worker claimed it and reached the provider, which created the person; the answer
    # was lost with the worker. The sweeper puts it back and it is sent again:
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.SENDING, attempts=1)
    second_provider.SecondProvider().submit(submission, SubmissionDocuments(submission))
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.QUEUED)
    assert submission_send(submission_id=submission.pk) == Submission.State.SENT
    assert len(second_provider.SENT) == 1  # found by our reference, never created twice
    verification.refresh_from_db()
    assert verification.provider_customer_id == f"acme-{verification.client_reference_id}"
    assert verification.customer_state == CustomerState.CREATED
