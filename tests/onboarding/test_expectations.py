"""What the applicant is told to expect: the home page's checklist from the provider's
needs, likely countries first and preselected, and hints for the additional information
DollarPe's configuration leaves bare. (In Chromium: tests/browser/test_progress.py.)"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from kyc.providers.dollarpe.adapter import DollarPeProvider
from onboarding.env import env_countries
from onboarding.formbuilder import plan_form
from onboarding.forms import KycForm, ProfileForm
from tests.onboarding.conftest import local_verification
from tests.onboarding.test_formbuilder import RESIDENT, valid_kyc_data
from tests.support import second_provider

pytestmark = pytest.mark.django_db
HOME = reverse("home")
CHECKLIST = re.compile(r'<ul class="needed checklist">(.*?)</ul>', re.S)


def checklist(client) -> list[str]:
    html = client.get(HOME).content.decode()
    found = CHECKLIST.search(html)
    assert found, html
    return [item.strip() for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def test_the_home_page_lists_what_dollarpe_needs(client):
    assert checklist(client) == [
        "Your PAN card, or its number",
        "An identity document: an Aadhaar card, a passport, a voter ID card or a driving licence",
        "A phone with a camera, for photos of your document and a selfie",
        "A few minutes. You can stop and come back later: we keep what you have sent.",
        "The details of a bank account or a UPI ID, to add once you are verified",
    ]


def test_no_tax_number_line_for_a_provider_that_asks_none(client, settings):
    second_provider.enable(settings, default=True)  # two photos, no tax number, no bank
    items = checklist(client)
    assert not any("PAN" in item or "card, or its number" in item for item in items)
    assert "A phone with a camera, for photos of your document and a selfie" in items
    assert not any("bank" in item for item in items)


def test_a_hosted_provider_and_a_routed_applicant_get_their_providers_list(client, settings, user):
    settings.KYC_PROVIDERS = ["dollarpe", "rebilly"]
    settings.KYC_DEFAULT_PROVIDER = "rebilly"
    items = checklist(client)
    assert items[:2] == [
        "An identity document, such as a passport",
        "A phone with a camera, or photos or scans of your documents",
    ]
    assert not any("PAN" in item for item in items)
    # Signed in and routed to DollarPe: their own provider's list, whatever the default.
    local_verification(user)
    client.force_login(user)
    assert checklist(client)[0] == "Your PAN card, or its number"


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, html
    return select.group(0)


def test_india_comes_first_and_is_preselected(signed_in):
    html = selected(signed_in.get(reverse("onboarding:profile")).content.decode(), "nationality")
    options = re.findall(r'<option value="(\w*)"( selected)?>', html)
    assert options[0] == ("", "")  # "Choose a country"
    assert options[1] == ("IND", " selected")  # the likely one, chosen already
    assert '<optgroup label="Suggested">' in html
    assert '<optgroup label="All countries">' in html
    assert [value for value, _ in options].count("IND") == 2  # and in the full list
    assert len(options) > 240
    assert ProfileForm()["nationality"].initial == "IND"


def test_the_likely_countries_are_a_setting(signed_in, settings):
    settings.KYC_LIKELY_COUNTRIES = ["ARE", "IND"]
    html = selected(signed_in.get(reverse("onboarding:profile")).content.decode(), "nationality")
    suggested = html.split('<optgroup label="Suggested">', 1)[1].split("</optgroup>", 1)[0]
    assert re.findall(r'<option value="(\w+)"', suggested) == ["ARE", "IND"]
    assert '<option value="ARE" selected>United Arab Emirates</option>' in suggested
    details = KycForm(plan=plan_form(DollarPeProvider().parse_form_spec(RESIDENT)))
    assert details["address_country"].initial == "ARE"


def test_the_setting_takes_alpha_3_codes_only(monkeypatch):
    monkeypatch.setenv("KYC_LIKELY_COUNTRIES", "ind, are,IND")
    assert env_countries("KYC_LIKELY_COUNTRIES", ["IND"]) == ["IND", "ARE"]
    monkeypatch.setenv("KYC_LIKELY_COUNTRIES", "IND,XYZ")
    with pytest.raises(ImproperlyConfigured, match="KYC_LIKELY_COUNTRIES") as refused:
        env_countries("KYC_LIKELY_COUNTRIES", ["IND"])
    assert "XYZ" not in str(refused.value)  # never echoed


def test_income_range_and_profession_get_hints_and_suggestions():
    form = KycForm(plan=plan_form(DollarPeProvider().parse_form_spec(RESIDENT)))
    income, profession = form.info_fields
    assert "e.g. <10L (under 10 lakh)" in str(income.help_text)
    assert "e.g. Engineer, Teacher or Student" in str(profession.help_text)
    html = str(income)
    assert 'list="id_info_0_suggestions"' in html
    assert '<datalist id="id_info_0_suggestions">' in html
    assert '<option value="&lt;10L" label="Under 10 lakh a year"></option>' in html
    assert '<option value="Engineer"></option>' in str(profession)  # its label is its value


def test_a_suggestion_is_a_help_not_a_limit():
    plan = plan_form(DollarPeProvider().parse_form_spec(RESIDENT))
    for income in ("<10L", "5-10L", "FAIL"):  # FAIL: the emulator's magic value still works
        form = KycForm(valid_kyc_data(info_0=income, info_1="Chef"), plan=plan)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["additional_info"] == {
            "income_range": income,
            "profession": "Chef",
        }
    # Fields the provider package knows nothing of get none.
    bare = {
        "supported_document_types": ["PASSPORT"],
        "additional_info_required": {
            "options": ["employer"],
            "rules": {"type": "anyOf", "min_required": 1},
            "employer": {"type": "string", "required": False},
        },
    }
    (employer,) = KycForm(plan=plan_form(DollarPeProvider().parse_form_spec(bare))).info_fields
    assert "datalist" not in str(employer)
    assert employer.help_text == ""
