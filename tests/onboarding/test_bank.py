"""Once verified: a bank account or UPI ID, validated here, refused there, followed live."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kyc.models import BankAccount
from kyc.providers.dollarpe.forms import BankForm
from kyc.services.banks import bank_apply_status
from tests.onboarding.conftest import local_verification, post_with_errors, verified_verification

pytestmark = pytest.mark.django_db
URL = reverse("onboarding:bank")
LIVE = reverse("onboarding:bank_live")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "account", "account_number": "12345", "ifsc": "SBIN0001234"}, "account_number"),
        ({"kind": "account", "account_number": "123456789012", "ifsc": "SBI0001829IU"}, "ifsc"),
        ({"kind": "account", "account_number": "123456789012", "ifsc": "SBIN1001234"}, "ifsc"),
        ({"kind": "account", "account_number": "", "ifsc": "SBIN0001234"}, "account_number"),
        ({"kind": "vpa", "vpa": "no-handle"}, "vpa"),
        ({"kind": "vpa", "vpa": "name@"}, "vpa"),
        ({"kind": "vpa", "vpa": ""}, "vpa"),
        ({"kind": "cash"}, "kind"),
    ],
)
def test_local_validation(data, field):
    form = BankForm(data)
    assert not form.is_valid()
    assert field in form.errors


def test_valid_values_are_normalised():
    account = BankForm(
        {"kind": "account", "account_number": "1234 5678 9012", "ifsc": "sbin0001234"}
    )
    assert account.is_valid(), account.errors
    cleaned = account.cleaned_data
    assert (cleaned["account_number"], cleaned["ifsc"]) == ("123456789012", "SBIN0001234")
    vpa = BankForm({"kind": "vpa", "vpa": " Priya.Rao@OKAXIS "})
    assert vpa.is_valid(), vpa.errors
    assert vpa.cleaned_data["vpa"] == "priya.rao@okaxis"


def test_only_a_verified_user_may_add_one(signed_in, user):
    local_verification(user)
    assert signed_in.get(URL)["Location"] == reverse("onboarding:status")


def test_an_account_is_added_and_its_status_follows_updates(signed_in, user, emulator):
    verification = verified_verification(user, emulator)
    response = signed_in.post(
        URL, {"kind": "account", "account_number": "123456789012", "ifsc": "SBIN0001234"}
    )
    assert response["Location"] == URL
    bank = BankAccount.objects.get(verification=verification)
    assert (bank.kind, bank.account_number, bank.ifsc) == ("account", "123456789012", "SBIN0001234")
    assert bank.status in ("PROCESSING", "VERIFIED")
    html = signed_in.get(URL).content.decode()
    assert "•••• 9012" in html
    assert f'data-live-url="{LIVE}"' in html
    before = signed_in.get(LIVE).json()
    if bank.status == "PROCESSING":
        assert not before["final"]
        assert bank_apply_status(bank_id=bank.pk, status="VERIFIED", source="provider")
    after = signed_in.get(LIVE).json()
    assert after["final"] is True
    assert "Verified: ready to use" in after["html"]
    assert "Verified: ready to use" in signed_in.get(reverse("onboarding:status")).content.decode()


def test_a_failed_account_says_why(signed_in, user, emulator):
    verification = verified_verification(user, emulator)
    signed_in.post(URL, {"kind": "vpa", "vpa": "priya@okaxis"})
    bank = BankAccount.objects.get(verification=verification)
    bank_apply_status(
        bank_id=bank.pk, status="FAILED", failure_reason="NAME_MISMATCH", source="provider"
    )
    html = signed_in.get(LIVE).json()["html"]
    assert "Could not be verified" in html
    assert "The name on the account is not the name on your identity document." in html


def test_the_providers_refusal_shows_on_the_field(signed_in, user, emulator):
    verified_verification(user, emulator)
    signed_in.post(URL, {"kind": "vpa", "vpa": "priya@okaxis"})
    response = post_with_errors(signed_in, URL, {"kind": "vpa", "vpa": "priya@okaxis"})
    assert response.context["form"].errors["vpa"] == ["This UPI ID is already registered."]
    assert 'href="#id_vpa"' in response.content.decode()


def test_the_kind_is_a_radio_group_with_a_legend(signed_in, user, emulator):
    verified_verification(user, emulator)
    html = signed_in.get(URL).content.decode()
    assert "<legend>What do you want to add?</legend>" in html
    assert 'data-bank-kind="vpa"' in html
