from __future__ import annotations

import pytest

from kyc.providers.dollarpe.errors import (
    ClientReferenceExists,
    CustomerNotFound,
    DollarPeRejected,
    EmailInUse,
    InvalidCountryCode,
    PhoneInUse,
)
from kyc.providers.dollarpe.types import NewCustomer


def test_create_and_get_a_customer(client, new_customer, wire):
    created = client.create_customer(new_customer(phone="9911002211", full_name="JOHN DOE"))
    assert created.status == "UNVERIFIED"
    assert created.phone == "+919911002211"
    assert created.country == "IND"
    fetched = client.get_customer(created.id)
    assert (fetched.id, fetched.full_name, fetched.email) == (created.id, "JOHN DOE", created.email)
    assert fetched.failure_reason is None
    assert wire.validated() == {"POST /customer/create"}


def test_non_resident_fields_round_trip(client, new_customer):
    created = client.create_customer(
        new_customer(
            alpha_3_country_code="IND",
            non_residence_status=True,
            residence_alpha_3_country_code="USA",
        )
    )
    fetched = client.get_customer(created.id)
    assert fetched.non_residence_status is True
    assert fetched.residence_alpha_3_country_code == "USA"


def test_list_is_a_page_of_this_organisations_customers(client, other_org_client, new_customer):
    mine = {client.create_customer(new_customer()).id for _ in range(3)}
    other_org_client.create_customer(new_customer())
    page = client.list_customers()
    assert page.count == 3
    assert {c.id for c in page.results} == mine


@pytest.mark.parametrize(
    ("clash", "error"),
    [
        ("email", EmailInUse),
        ("phone", PhoneInUse),
        ("client_reference_id", ClientReferenceExists),
    ],
)
def test_duplicates_are_typed_errors_on_the_right_field(client, new_customer, clash, error):
    first = new_customer()
    client.create_customer(first)
    with pytest.raises(error) as caught:
        client.create_customer(new_customer(**{clash: getattr(first, clash)}))
    assert caught.value.status_code == 400
    assert caught.value.field == clash


def test_invalid_country_code(client, new_customer):
    with pytest.raises(InvalidCountryCode) as caught:
        client.create_customer(new_customer(alpha_3_country_code="XYZ"))
    assert caught.value.field == "alpha_3_country_code"


def test_field_validation_errors_keep_their_fields(client):
    bad = NewCustomer(full_name="", email="not-an-email", phone="99", alpha_3_country_code="IND")
    with pytest.raises(DollarPeRejected) as caught:
        client.create_customer(bad)
    assert type(caught.value) is DollarPeRejected
    assert "email" in caught.value.field_errors
    assert "full_name" in caught.value.field_errors


def test_unknown_and_foreign_customers_are_not_found(client, other_org_client, new_customer):
    foreign = other_org_client.create_customer(new_customer())
    for customer_id in ("6f1c2a1e-0000-4000-8000-000000000000", foreign.id):
        with pytest.raises(CustomerNotFound):
            client.get_customer(customer_id)
