"""The profile step: local validation, the customer created at the provider, its refusals,
and an outage that loses nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kyc.models import CustomerState, ProviderCall, Verification
from onboarding.forms import ProfileForm
from tests.onboarding.conftest import make_user, mobile, post_with_errors, profile_data
from tests.support.waiting import wait_for

URL = reverse("onboarding:profile")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "+44 20 7946 09"}, "phone"),
        ({"nationality": "XYZ"}, "nationality"),
        ({"nationality": "IN"}, "nationality"),
        ({"email": "not-an-email"}, "email"),
        ({"full_name": ""}, "full_name"),
        ({"non_resident": "on", "residence_country": ""}, "residence_country"),
    ],
)
def test_profile_is_validated_locally(changes, field):
    form = ProfileForm(profile_data(**changes))
    assert not form.is_valid()
    assert field in form.errors


def test_phone_becomes_e164_from_the_country_and_residence_is_dropped_for_residents():
    form = ProfileForm(profile_data(phone="098765 43210", residence_country="USA"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "+919876543210"
    assert form.cleaned_data["residence_country"] == ""
    abroad = ProfileForm(
        profile_data(phone="(415) 555-2671", non_resident="on", residence_country="USA")
    )
    assert abroad.is_valid(), abroad.errors
    assert abroad.cleaned_data["phone"] == "+14155552671"


def test_nationality_is_a_select_of_every_iso_country_by_name(signed_in):
    html = signed_in.get(URL).content.decode()
    assert '<option value="IND">India</option>' in html
    assert '<option value="ALA">Åland Islands</option>' in html
    assert html.count("<option value=") >= 2 * 249  # nationality and residence


@pytest.mark.django_db
def test_a_valid_profile_creates_the_customer_and_goes_on_to_the_documents(
    signed_in, user, emulator
):
    response = signed_in.post(URL, profile_data(full_name="  Asha   Rao "))
    assert response["Location"] == reverse("onboarding:uploads")
    verification = Verification.objects.get(user=user)
    assert verification.customer_state == CustomerState.CREATED
    assert verification.full_name == "Asha Rao"
    customer = emulator.customer(verification.provider_customer_id)
    assert customer["client_reference_id"] == verification.client_reference_id
    assert customer["phone"] == verification.phone
    # Once created, the profile can no longer change: the page sends the user on.
    assert signed_in.get(URL)["Location"] == reverse("onboarding:start")


@pytest.mark.django_db
def test_non_resident_sends_the_residence_country(signed_in, user, emulator):
    data = profile_data(non_resident="on", residence_country="ARE", phone="+971 50 123 4567")
    assert signed_in.post(URL, data).status_code == 302
    verification = Verification.objects.get(user=user)
    customer = emulator.customer(verification.provider_customer_id)
    assert customer["non_residence_status"] is True
    assert customer["residence_alpha_3_country_code"] == "ARE"


@pytest.mark.django_db
def test_email_and_phone_in_use_show_on_their_fields(client, emulator):
    first = profile_data()
    client.force_login(make_user())
    assert client.post(URL, first).status_code == 302
    client.force_login(make_user())
    response = post_with_errors(
        client, URL, profile_data(email=first["email"], phone=first["phone"])
    )
    errors = response.context["form"].errors
    assert "email address is already registered" in errors["email"][0]
    assert "phone number is already registered" in errors["phone"][0]
    html = response.content.decode()
    assert 'href="#id_email"' in html
    assert 'href="#id_phone"' in html


@pytest.mark.django_db
def test_a_refused_profile_is_shown_again_with_its_errors_and_can_be_corrected(client, emulator):
    first = profile_data()
    client.force_login(make_user())
    client.post(URL, first)
    user = make_user()
    client.force_login(user)
    client.post(URL, profile_data(email=first["email"]))
    assert client.get(reverse("onboarding:start"))["Location"] == URL
    again = client.get(URL)
    assert again.context["form"].errors["email"]
    corrected = client.post(URL, profile_data(phone=mobile()))
    assert corrected["Location"] == reverse("onboarding:uploads")
    assert Verification.objects.get(user=user).customer_state == CustomerState.CREATED


@pytest.mark.django_db
def test_an_outage_saves_the_profile_and_tells_the_user(signed_in, user, emulator):
    emulator.config(fault_rate=1.0, fault_modes=["500"])
    data = profile_data()
    response = signed_in.post(URL, data)
    assert response["Location"] == reverse("onboarding:status")
    verification = Verification.objects.get(user=user)
    assert verification.customer_state == CustomerState.PENDING
    assert verification.email == data["email"]
    assert verification.audit_events.filter(action="customer_create_deferred").exists()
    page = signed_in.get(reverse("onboarding:status")).content.decode()
    assert "Your details are saved" in page
    assert "data-live-url" in page
    # Coming back to the form shows what was typed.
    assert signed_in.get(URL).context["form"].initial["email"] == data["email"]


@pytest.mark.django_db(transaction=True)
def test_after_an_outage_the_background_retry_creates_the_customer_and_the_page_follows(
    client, emulator, celery_worker
):
    user = make_user()
    client.force_login(user)
    emulator.config(fault_rate=1.0, fault_modes=["500"])
    client.post(URL, profile_data())
    before = client.get(reverse("onboarding:status_live")).json()
    assert before["key"].startswith("saving")
    assert not before["final"]
    emulator.config(fault_rate=0.0)
    after = wait_for(
        lambda: client.get(reverse("onboarding:status_live")).json(),
        lambda answer: answer["key"] != before["key"],
        limit=60,
    )
    assert after["key"].startswith("not_submitted")
    assert "Not submitted yet" in after["html"]
    verification = Verification.objects.get(user=user)
    assert verification.customer_state == CustomerState.CREATED
    assert ProviderCall.objects.filter(verification=verification, status_code=500).exists()
