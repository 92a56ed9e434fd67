"""Customer endpoints (§4) and the KYC configuration endpoint (§5.1)."""

from __future__ import annotations

import pytest

from sandbox.dollarpe.process import EmulatorProcess
from tests.sandbox.dollarpe_support import Api, create_customer, customer_body, errors_of, new_uuid

PUBLIC_FIELDS = {
    "id",
    "client_reference_id",
    "full_name",
    "email",
    "phone",
    "country",
    "type",
    "status",
    "failure_reason",
    "document_type",
    "non_residence_status",
    "residence_alpha_3_country_code",
}


def test_create_returns_the_live_shape(api: Api) -> None:
    body = customer_body(
        client_reference_id="user-1",
        non_residence_status=True,
        residence_alpha_3_country_code="USA",
    )
    data = api.ok("POST", "/customer/create", body)
    assert set(data) >= PUBLIC_FIELDS
    assert data["status"] == "UNVERIFIED"
    assert data["failure_reason"] is None
    assert data["type"] == "INDIVIDUAL"
    assert data["country"] == "IND"
    assert data["phone"] == "+91" + body["phone"]
    assert data["non_residence_status"] is True
    assert data["residence_alpha_3_country_code"] == "USA"
    assert api.ok("GET", f"/customer/{data['id']}") == data


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"full_name": None, "email": None, "phone": None, "alpha_3_country_code": None},
            {
                "full_name": ["This field is required."],
                "email": ["This field is required."],
                "phone": ["This field is required."],
                "alpha_3_country_code": ["This field is required."],
            },
        ),
        ({"full_name": "  "}, {"full_name": ["This field may not be blank."]}),
        ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"email": "a@b"}, {"email": ["Enter a valid email address."]}),
        (
            {"full_name": "x" * 256},
            {"full_name": ["Ensure this field has no more than 255 characters."]},
        ),
        ({"alpha_3_country_code": "XYZ"}, {"alpha_3_country_code": ["Invalid country code"]}),
        ({"alpha_3_country_code": "IN"}, {"alpha_3_country_code": ["Invalid country code"]}),
        (
            {"residence_alpha_3_country_code": "ZZZ"},
            {"residence_alpha_3_country_code": ["Invalid country code"]},
        ),
        ({"phone": "12ab"}, {"phone": ["Enter a valid phone number."]}),
        ({"non_residence_status": "maybe"}, {"non_residence_status": ["Must be a valid boolean."]}),
        ({"full_name": {"a": 1}}, {"full_name": ["Not a valid string."]}),
    ],
)
def test_create_validation(api: Api, overrides: dict, errors: dict) -> None:
    assert errors_of(api.post("/customer/create", customer_body(**overrides))) == errors


def test_null_is_not_blank(api: Api) -> None:
    body = customer_body()
    body["email"] = None
    assert errors_of(api.post("/customer/create", body)) == {
        "email": ["This field may not be null."]
    }


def test_rare_but_real_country_codes_are_accepted(api: Api) -> None:
    for n, code in enumerate(("ALA", "BES", "SSD", "UMI")):
        create_customer(api, alpha_3_country_code=code, phone=f"+4915112345{n:03d}")


def test_phone_optional_when_configured(emu: EmulatorProcess, api: Api) -> None:
    emu.config(phone_required=False)
    assert create_customer(api, phone=None)["phone"] is None


def test_uniqueness_errors(api: Api) -> None:
    first = create_customer(api, client_reference_id="ref-1")
    body = customer_body(
        email=first["email"].upper(), phone=first["phone"], client_reference_id="ref-1"
    )
    assert errors_of(api.post("/customer/create", body)) == {
        "email": ["Email already in use"],
        "phone": ["Phone already in use"],
        "client_reference_id": ["Client Reference ID already exists"],
    }


def test_uniqueness_is_per_organisation(api: Api, other_api: Api) -> None:
    first = create_customer(api, client_reference_id="ref-1")
    body = customer_body(email=first["email"], phone=first["phone"], client_reference_id="ref-1")
    assert other_api.post("/customer/create", body).status_code == 200


def test_customers_are_isolated_by_api_key(api: Api, other_api: Api) -> None:
    customer = create_customer(api)
    not_found = {"customer": ["Customer not found or access denied"]}
    assert errors_of(other_api.get(f"/customer/{customer['id']}")) == not_found
    assert errors_of(other_api.get(f"/kyc/configuration/{customer['id']}")) == not_found
    assert other_api.ok("GET", "/customer/list")["count"] == 0


@pytest.mark.parametrize("customer_id", ["not-a-uuid", "075986f3-282b-4555-bfcd-fad973e32596"])
def test_unknown_customer(api: Api, customer_id: str) -> None:
    assert errors_of(api.get(f"/customer/{customer_id}")) == {
        "customer": ["Customer not found or access denied"]
    }


def test_list_pages(api: Api) -> None:
    ids = [create_customer(api)["id"] for _ in range(5)]
    first = api.ok("GET", "/customer/list?page_size=2")
    assert first["count"] == 5
    assert [c["id"] for c in first["results"]] == ids[:2]
    assert first["previous"] is None
    assert first["next"].endswith("page=2&page_size=2") is False
    assert "page=2" in first["next"]
    assert "page_size=2" in first["next"]
    assert "document_type" not in first["results"][0]
    last = api.ok("GET", "/customer/list?page=3&page_size=2")
    assert [c["id"] for c in last["results"]] == ids[4:]
    assert last["next"] is None
    assert "page=2" in last["previous"]
    assert api.ok("GET", "/customer/list")["count"] == 5
    assert errors_of(api.get("/customer/list?page=4&page_size=2"), 404) == {
        "detail": ["Invalid page."]
    }
    assert api.get("/customer/list?page=0").status_code == 404


def test_default_page_size_is_configurable(emu: EmulatorProcess, api: Api) -> None:
    emu.config(page_size=1)
    create_customer(api)
    create_customer(api)
    page = api.ok("GET", "/customer/list")
    assert len(page["results"]) == 1
    assert page["next"]


def test_configuration_resident_and_non_resident(api: Api) -> None:
    resident = create_customer(api)
    config = api.ok("GET", f"/kyc/configuration/{resident['id']}")
    assert config == {
        "supported_document_types": ["AADHAAR", "PASSPORT", "VOTER_ID", "DRIVING_LICENSE"],
        "additional_info_required": {
            "options": ["income_range", "profession"],
            "rules": {"type": "allOf", "min_required": 2},
            "income_range": {"type": "string", "required": True},
            "profession": {"type": "string", "required": True},
        },
    }
    non_resident = create_customer(api, non_residence_status=True)
    extra = api.ok("GET", f"/kyc/configuration/{non_resident['id']}")["additional_info_required"]
    assert extra["options"] == ["ssn_number", "visa"]
    assert extra["rules"] == {"type": "anyOf", "min_required": 1}
    assert extra["visa"]["type"] == "url"


def test_configuration_override(emu: EmulatorProcess, api: Api) -> None:
    odd = {"supported_document_types": ["PASSPORT"], "additional_info_required": {"options": []}}
    emu.config(kyc_configuration=odd)
    customer = create_customer(api)
    assert api.ok("GET", f"/kyc/configuration/{customer['id']}") == odd
    emu.config(kyc_configuration=None)
    assert (
        "AADHAAR"
        in api.ok("GET", f"/kyc/configuration/{customer['id']}")["supported_document_types"]
    )


def test_unknown_customer_configuration(api: Api) -> None:
    assert errors_of(api.get(f"/kyc/configuration/{new_uuid()}")) == {
        "customer": ["Customer not found or access denied"]
    }
