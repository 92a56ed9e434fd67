"""The KYC form step: built from the provider's configuration, cached, and submitted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kyc.models import Document, ProviderCall, Status, Submission, Verification
from tests.onboarding.conftest import accepted_documents, created_verification, post_with_errors

pytestmark = pytest.mark.django_db
URL = reverse("onboarding:kyc")


def details(**overrides):
    data = {
        "address_line1": "12 MG Road",
        "city": "Bengaluru",
        "postal_code": "560001",
        "address_country": "IND",
        "dob": "1990-04-01",
        "tax_number": "ABCPE1234F",
        "document_type": "AADHAAR",
        "document_number": "2345 6789 0123",
        "info_0": "5-10L",
        "info_1": "Engineer",
    }
    return data | overrides


@pytest.fixture
def ready(user, emulator):
    """A created customer with its three documents accepted."""
    verification = created_verification(user)
    accepted_documents(verification)
    return verification


def config_calls(verification):
    return ProviderCall.objects.filter(
        verification=verification, endpoint__contains="configuration"
    ).count()


def test_the_form_follows_the_providers_configuration(signed_in, ready):
    response = signed_in.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for value in ("AADHAAR", "PASSPORT", "VOTER_ID", "DRIVING_LICENSE"):
        assert f'<option value="{value}"' in html
    assert "Income range" in html
    assert "Profession" in html
    assert 'type="date"' in html
    assert 'autocomplete="bday"' in html


def test_a_custom_configuration_with_url_and_unknown_types(signed_in, user, emulator):
    emulator.config(
        kyc_configuration={
            "supported_document_types": ["PASSPORT"],
            "additional_info_required": {
                "options": ["visa", "employer"],
                "rules": {"type": "anyOf", "min_required": 1},
                "visa": {"type": "url", "required": False},
                "employer": {"type": "organisation", "required": False},
            },
        }
    )
    accepted_documents(created_verification(user))
    html = signed_in.get(URL).content.decode()
    assert '<option value="AADHAAR"' not in html
    assert 'type="url" name="info_0"' in html
    assert 'type="text" name="info_1"' in html
    assert "Fill in at least 1 of these fields." in html
    refused = post_with_errors(
        signed_in, URL, details(document_type="PASSPORT", info_0="", info_1="")
    )
    assert "Fill in at least 1 of: Link to your visa, Employer." in refused.content.decode()
    assert 'href="#additional-info"' in refused.content.decode()


def test_the_configuration_is_cached_and_fetched_again_when_stale(signed_in, ready, settings):
    signed_in.get(URL)
    signed_in.get(URL)
    assert config_calls(ready) == 1
    Verification.objects.filter(pk=ready.pk).update(
        kyc_config_fetched_at=timezone.now() - timedelta(seconds=settings.KYC_CONFIG_TTL + 1)
    )
    signed_in.get(URL)
    assert config_calls(ready) == 2


@pytest.mark.parametrize(
    "configuration",
    [
        {"supported_document_types": []},
        {"supported_document_types": "PASSPORT"},
        {
            "supported_document_types": ["PASSPORT"],
            "additional_info_required": {"options": ["a"], "rules": {"type": "sometimes"}},
        },
        {
            "supported_document_types": ["PASSPORT"],
            "additional_info_required": {
                "options": ["a"],
                "rules": {"type": "anyOf", "min_required": 3},
            },
        },
    ],
)
def test_a_malformed_configuration_shows_a_clear_error_page_not_a_500(
    signed_in, user, emulator, configuration
):
    emulator.config(kyc_configuration=configuration)
    accepted_documents(created_verification(user))
    response = signed_in.get(URL)
    assert response.status_code == 502
    assert "a form we cannot show you" in response.content.decode()


def test_the_provider_down_shows_a_clear_error_page(signed_in, ready, emulator):
    emulator.config(fault_rate=1.0, fault_modes=["500"])
    response = signed_in.get(URL)
    assert response.status_code == 503
    assert "cannot reach our verification partner" in response.content.decode()


def test_documents_come_first(signed_in, user, emulator):
    created_verification(user)
    assert signed_in.get(URL)["Location"] == reverse("onboarding:uploads")


def test_submit_records_the_submission_and_answers_at_once(signed_in, ready):
    response = signed_in.post(URL, details())
    assert response["Location"] == reverse("onboarding:status")
    submission = Submission.objects.get(verification=ready)
    assert (submission.kind, submission.state) == ("initial", "queued")
    documents = dict(Document.objects.filter(verification=ready).values_list("kind", "pk"))
    assert submission.data == {
        "full_name": ready.full_name,
        "phone": ready.phone,
        # Structured, as typed: each provider writes an address its own way.
        "address": {
            "line1": "12 MG Road",
            "line2": "",
            "city": "Bengaluru",
            "region": "",
            "postal_code": "560001",
            "country": "IND",
        },
        "dob": "1990-04-01",
        "tax_number": "ABCPE1234F",
        "document_type": "AADHAAR",
        "document_number": "234567890123",
        "additional_info": {"income_range": "5-10L", "profession": "Engineer"},
        "documents": documents,
    }
    # Sent or not, the user can no longer submit twice.
    assert signed_in.get(URL)["Location"] == reverse("onboarding:status")
    assert signed_in.get(reverse("onboarding:uploads"))["Location"] == reverse("onboarding:status")


def test_the_submission_is_sent_by_the_task_with_presigned_urls_and_the_signup_date(
    signed_in, ready, emulator, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(URL, details())
    submission = Submission.objects.get(verification=ready)
    assert submission.state == Submission.State.SENT
    ready.refresh_from_db()
    assert ready.status in (Status.PROCESSING, Status.VERIFIED)
    kyc = emulator.customer(ready.provider_customer_id)["kyc"]
    assert kyc["full_address"] == "12 MG Road, Bengaluru 560001, India"  # DollarPe's one line
    assert kyc["dob"] == "01-04-1990"
    assert kyc["registered_date"] == ready.user.date_joined.strftime("%d-%m-%Y")
    assert kyc["document_front_image_url"].startswith("http")
