"""After a failure: only the form for what failed, its submission, and no form without attempts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kyc.models import Document, Submission, Verification
from tests.onboarding.conftest import (
    accepted_documents,
    created_verification,
    local_verification,
    make_user,
    post_with_errors,
    store,
)
from tests.support import builders, images

pytestmark = pytest.mark.django_db
URL = reverse("onboarding:fix")


def fail(verification, reason):
    for status, why in (("PROCESSING", ""), ("FAILED", reason)):
        builders.reported(verification, status, why)
    return verification


def test_tax_failure_shows_only_the_tax_number(signed_in, user):
    fail(local_verification(user), "TAX_VERIFICATION_FAILED")
    html = signed_in.get(URL).content.decode()
    assert 'name="tax_number"' in html
    assert 'type="file"' not in html
    assert 'name="address_line1"' not in html
    assert "You have 3 attempts left out of 3." in html


def test_tax_correction_is_validated_then_queued_as_a_tax_update(signed_in, user):
    verification = fail(local_verification(user), "TAX_VERIFICATION_FAILED")
    refused = post_with_errors(signed_in, URL, {"tax_number": "ABC"})
    assert 'href="#id_tax_number"' in refused.content.decode()
    response = signed_in.post(URL, {"tax_number": "abcpe 1234 f"})
    assert response["Location"] == reverse("onboarding:status")
    submission = Submission.objects.get(verification=verification)
    assert (submission.kind, submission.data) == ("tax", {"tax_number": "ABCPE1234F"})
    # While it is on its way, the form is not offered again.
    assert signed_in.get(URL)["Location"] == reverse("onboarding:status")


def test_selfie_failure_needs_a_new_selfie_not_the_refused_one(signed_in, user, emulator):
    verification = created_verification(user)
    old = accepted_documents(verification)
    fail(verification, "SELFIE_VERIFICATION_FAILED")
    html = signed_in.get(URL).content.decode()
    assert 'capture="user"' in html
    assert 'name="tax_number"' not in html
    assert 'name="document_front"' not in html
    refused = post_with_errors(signed_in, URL, {"selfie_id": str(old["selfie"])})
    assert refused.context["forms"][0].errors["selfie"]
    response = signed_in.post(URL, {"selfie_camera": SimpleUploadedFile("me.jpg", images.jpeg())})
    assert response["Location"] == reverse("onboarding:status")
    submission = Submission.objects.get(verification=verification)
    new = Document.objects.filter(verification=verification, kind="selfie").latest("created_at")
    assert (submission.kind, submission.data) == ("selfie", {"documents": {"selfie": new.pk}})


def test_document_failure_asks_for_new_images_and_details(signed_in, user, emulator):
    verification = fail(created_verification(user), "DOCUMENT_VERIFICATION_FAILED")
    html = signed_in.get(URL).content.decode()
    for name in ("document_front", "document_back", "address_line1", "document_number"):
        assert f'name="{name}"' in html
    assert 'name="selfie"' not in html
    assert 'name="tax_number"' not in html
    front = store(verification, "document_front", images.jpeg())
    response = signed_in.post(
        URL,
        {
            "document_front_id": str(front.pk),
            "document_back": SimpleUploadedFile("back.pdf", images.PDF),
            "address_line1": "7 Park Street",
            "city": "Kolkata",
            "postal_code": "700016",
            "address_country": "IND",
            "document_type": "PASSPORT",
            "document_number": "J8369854",
        },
    )
    assert response["Location"] == reverse("onboarding:status")
    submission = Submission.objects.get(verification=verification)
    back = Document.objects.get(verification=verification, kind="document_back")
    assert submission.kind == "document"
    assert submission.data == {
        "address": {
            "line1": "7 Park Street",
            "line2": "",
            "city": "Kolkata",
            "region": "",
            "postal_code": "700016",
            "country": "IND",
        },
        "document_type": "PASSPORT",
        "document_number": "J8369854",
        "phone": verification.phone,
        "documents": {"document_front": front.pk, "document_back": back.pk},
    }


def test_document_correction_shows_every_error_at_once(signed_in, user, emulator):
    fail(created_verification(user), "DOCUMENT_VERIFICATION_FAILED")
    response = post_with_errors(signed_in, URL, {"document_type": "PASSPORT"})
    html = response.content.decode()
    for anchor in ("id_document_front_camera", "id_document_back_camera", "id_document_number"):
        assert f'href="#{anchor}"' in html


def test_additional_info_failure_shows_the_providers_fields(signed_in, user, emulator):
    verification = fail(created_verification(user), "ADDITIONAL_INFO_VERIFICATION_FAILED")
    html = signed_in.get(URL).content.decode()
    assert "Income range" in html
    assert 'name="tax_number"' not in html
    assert 'type="file"' not in html
    response = signed_in.post(URL, {"info_0": "10-20L", "info_1": "Teacher"})
    assert response["Location"] == reverse("onboarding:status")
    submission = Submission.objects.get(verification=verification)
    assert submission.kind == "additional_info"
    assert submission.data == {
        "additional_info": {"income_range": "10-20L", "profession": "Teacher"}
    }


@pytest.mark.parametrize("corrections_used", [0, 3])
def test_no_form_when_our_team_takes_over(signed_in, user, corrections_used):
    verification = local_verification(user, corrections_used=corrections_used)
    reason = "KYC_FAILED" if corrections_used == 0 else "TAX_VERIFICATION_FAILED"
    fail(verification, reason)
    response = signed_in.get(URL)
    html = response.content.decode()
    assert "Our team will contact you" in html
    assert '<form method="post" novalidate' not in html
    assert signed_in.post(URL, {"tax_number": "ABCPE1234F"}).status_code == 200
    assert not Submission.objects.filter(verification=verification).exists()


def test_nothing_to_fix_unless_failed(signed_in, user):
    local_verification(user)
    assert signed_in.get(URL)["Location"] == reverse("onboarding:status")


def test_a_correction_cannot_use_another_users_document(client, emulator):
    stranger = store(created_verification(make_user()), "selfie", images.png())
    user = make_user()
    verification = fail(created_verification(user), "SELFIE_VERIFICATION_FAILED")
    client.force_login(user)
    response = post_with_errors(client, URL, {"selfie_id": str(stranger.pk)})
    assert response.context["forms"][0].errors["selfie"]
    assert not Submission.objects.filter(verification=verification).exists()
    assert Verification.objects.get(pk=verification.pk).corrections_used == 0
