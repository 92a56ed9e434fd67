from __future__ import annotations

import pytest

from kyc.providers.dollarpe.errors import (
    AccountNumberInUse,
    BankAccountLimitReached,
    BankNotFound,
    CustomerNotFound,
    CustomerUnverified,
    UpiLimitReached,
    VpaInUse,
)
from kyc.providers.dollarpe.types import NewBankAccount
from tests.support.waiting import wait_for

UNKNOWN = "6f1c2a1e-0000-4000-8000-000000000000"


@pytest.fixture
def verified(client, new_customer, kyc_data):
    customer = client.create_customer(new_customer())
    client.add_kyc_data(kyc_data(customer.id))
    wait_for(lambda: client.get_customer(customer.id).status, lambda s: s == "VERIFIED")
    return customer


def _account(customer_id, number, **extra):
    return NewBankAccount(
        customer_id=customer_id, account_number=number, ifsc="HDFC0001234", **extra
    )


def _settled(client, customer_id, bank_id):
    return wait_for(
        lambda: client.get_bank_account(customer_id, bank_id),
        lambda b: b.bank_account_status != "PROCESSING",
    )


def test_unverified_customers_cannot_add_banks(client, new_customer):
    customer = client.create_customer(new_customer())
    with pytest.raises(CustomerUnverified):
        client.create_bank_account(_account(customer.id, "50100012345678"))
    with pytest.raises(CustomerNotFound):
        client.create_bank_account(_account(UNKNOWN, "50100012345678"))


def test_account_is_verified_and_listed(client, verified, wire):
    created = client.create_bank_account(
        _account(verified.id, "50100012345678", account_name="Asha Rao")
    )
    assert created.bank_account_status == "PROCESSING"
    assert (created.account_number, created.ifsc) == ("50100012345678", "HDFC0001234")
    assert created.bank_account_type == "ACCOUNT_DETAILS"
    assert _settled(client, verified.id, created.id).bank_account_status == "VERIFIED"
    page = client.list_bank_accounts(verified.id)
    assert [b.id for b in page.results] == [created.id]
    assert {"POST /kyc/add-kyc-data", "POST /bank/create"} <= wire.validated()


def test_name_mismatch(client, verified):
    created = client.create_bank_account(
        _account(verified.id, "50100099999999", account_name="Someone Else")
    )
    settled = _settled(client, verified.id, created.id)
    assert (settled.bank_account_status, settled.failure_reason) == ("FAILED", "NAME_MISMATCH")


def test_account_duplicates_and_limit(client, verified, new_customer, kyc_data):
    for number in ("11110001", "11110002", "11110003"):
        client.create_bank_account(_account(verified.id, number))
    with pytest.raises(BankAccountLimitReached):
        client.create_bank_account(_account(verified.id, "11110004"))
    with pytest.raises(AccountNumberInUse):
        client.create_bank_account(_account(verified.id, "11110001"))


def test_vpa_duplicates_and_limit(client, verified, wire):
    for vpa in ("asha1@oksbi", "asha2@oksbi", "asha3@oksbi"):
        created = client.create_bank_account(NewBankAccount(customer_id=verified.id, vpa=vpa))
        assert created.vpa == vpa
    with pytest.raises(VpaInUse):
        client.create_bank_account(NewBankAccount(customer_id=verified.id, vpa="asha1@oksbi"))
    with pytest.raises(UpiLimitReached):
        client.create_bank_account(NewBankAccount(customer_id=verified.id, vpa="asha4@oksbi"))
    assert "POST /bank/create" in wire.validated()  # the VPA branch of the oneOf


def test_unknown_bank(client, verified):
    with pytest.raises(BankNotFound):
        client.get_bank_account(verified.id, UNKNOWN)


def test_one_kind_of_account_per_request():
    with pytest.raises(ValueError, match="either"):
        NewBankAccount(customer_id=UNKNOWN, account_number="1", ifsc="X", vpa="a@b")
    with pytest.raises(ValueError, match="either"):
        NewBankAccount(customer_id=UNKNOWN)
