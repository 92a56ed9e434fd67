"""Bank accounts and UPI IDs (§6)."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.dollarpe.process import EmulatorProcess
from tests.sandbox.dollarpe_support import (
    Api,
    TestServer,
    create_customer,
    errors_of,
    kyc_body,
    new_uuid,
    wait_for,
)

BANK_FIELDS = {
    "id",
    "customer_id",
    "account_number",
    "ifsc",
    "ifsc_code",
    "account_name",
    "vpa",
    "bank_account_type",
    "bank_account_status",
    "failure_reason",
}


def verified_customer(emu: EmulatorProcess, api: Api, server: TestServer) -> str:
    customer = create_customer(api, full_name="Asha Rao")
    api.ok("POST", "/kyc/add-kyc-data", kyc_body(customer["id"], server))
    emu.decide(customer["id"])
    assert api.ok("GET", f"/customer/{customer['id']}")["status"] == "VERIFIED"
    return str(customer["id"])


@pytest.fixture
def customer_id(emu: EmulatorProcess, api: Api, server: TestServer) -> str:
    return verified_customer(emu, api, server)


_numbers = iter(range(10**9, 2 * 10**9, 7919))


def account(customer_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "customer_id": customer_id,
        "account_number": str(next(_numbers)),
        "ifsc": "SBIN0001234",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def vpa(customer_id: str, name: str) -> dict[str, Any]:
    return {"customer_id": customer_id, "vpa": f"{name}@oksbi"}


def bank_state(api: Api, customer_id: str, bank_id: str) -> dict[str, Any]:
    return dict(api.ok("GET", f"/bank/{customer_id}/{bank_id}"))


def test_account_is_processing_then_verified(
    emu: EmulatorProcess, api: Api, customer_id: str
) -> None:
    data = api.ok("POST", "/bank/create", account(customer_id, account_name="ASHA  rao"))
    assert set(data) == BANK_FIELDS
    assert data["bank_account_status"] == "PROCESSING"
    assert data["failure_reason"] is None
    assert data["bank_account_type"] == "ACCOUNT_DETAILS"
    assert data["ifsc"] == data["ifsc_code"] == "SBIN0001234"
    assert data["vpa"] is None
    wait_for(lambda: bank_state(api, customer_id, data["id"])["bank_account_status"] == "VERIFIED")


def test_vpa_account(emu: EmulatorProcess, api: Api, customer_id: str) -> None:
    data = api.ok("POST", "/bank/create", vpa(customer_id, "asha"))
    assert data["bank_account_type"] == "VPA"
    assert data["account_number"] is None
    emu.config(vpa_account_type="UPI")
    assert api.ok("POST", "/bank/create", vpa(customer_id, "asha2"))["bank_account_type"] == "UPI"


def test_aliases(emu: EmulatorProcess, api: Api, customer_id: str) -> None:
    body = account(customer_id, ifsc=None, ifsc_code="HDFC0000001")
    data = api.ok("POST", "/bank/add-account", body)
    assert data["ifsc"] == "HDFC0000001"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"account_name": "Somebody Else"}, "NAME_MISMATCH"),
        ({"account_number": "0009876543"}, "INVALID_ACCOUNT_NUMBER"),
        ({"ifsc": "XXXX0001234"}, "INVALID_IFSC"),
        ({"account_number": None, "ifsc": None, "vpa": "failme@oksbi"}, "PENNY_DROP_FAILED"),
    ],
)
def test_bank_magic_values(
    emu: EmulatorProcess, api: Api, customer_id: str, overrides: dict, reason: str
) -> None:
    data = api.ok("POST", "/bank/create", account(customer_id, **overrides))
    decided = emu.decide(customer_id)
    assert decided["banks_decided"] == [data["id"]]
    bank = bank_state(api, customer_id, data["id"])
    assert (bank["bank_account_status"], bank["failure_reason"]) == ("FAILED", reason)


def test_instant_bank(emu: EmulatorProcess, api: Api, customer_id: str) -> None:
    emu.config(instant_bank=True)
    assert api.ok("POST", "/bank/create", account(customer_id))["bank_account_status"] == "VERIFIED"
    failed = api.ok("POST", "/bank/create", account(customer_id, account_name="Other Person"))
    assert (failed["bank_account_status"], failed["failure_reason"]) == ("FAILED", "NAME_MISMATCH")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"non_field_errors": ["Either account_number and ifsc, or vpa, is required."]}),
        ({"account_number": "123456789"}, {"ifsc": ["This field is required."]}),
        ({"ifsc": "SBIN0001234"}, {"account_number": ["This field is required."]}),
        (
            {"account_number": "123456789", "ifsc": "SBIN0001234", "vpa": "a@okaxis"},
            {"non_field_errors": ["Send either account_number and ifsc, or vpa, not both."]},
        ),
        ({"vpa": "no-at-sign"}, {"vpa": ["Enter a valid VPA."]}),
    ],
)
def test_bank_validation(api: Api, customer_id: str, body: dict, errors: dict) -> None:
    assert errors_of(api.post("/bank/create", {"customer_id": customer_id, **body})) == errors


def test_account_name_can_be_required(emu: EmulatorProcess, api: Api, customer_id: str) -> None:
    emu.config(bank_account_name_required=True)
    assert errors_of(api.post("/bank/create", account(customer_id))) == {
        "account_name": ["This field is required."]
    }


@pytest.mark.parametrize("status", ["UNVERIFIED", "PROCESSING"])
def test_customer_must_be_verified(
    emu: EmulatorProcess, api: Api, server: TestServer, status: str
) -> None:
    customer = create_customer(api)
    if status == "PROCESSING":
        api.ok("POST", "/kyc/add-kyc-data", kyc_body(customer["id"], server))
    assert errors_of(api.post("/bank/create", account(customer["id"]))) == {
        "customer": ["Customer is unverified"]
    }


def test_unknown_or_foreign_customer(api: Api, other_api: Api, customer_id: str) -> None:
    not_found = {"customer": ["Customer not found or access denied"]}
    assert errors_of(other_api.post("/bank/create", account(customer_id))) == not_found
    assert errors_of(api.post("/bank/create", account(new_uuid()))) == not_found
    assert errors_of(other_api.get(f"/bank/list/{customer_id}")) == not_found


def test_duplicates_are_refused_across_customers(
    emu: EmulatorProcess, api: Api, server: TestServer, customer_id: str
) -> None:
    first = api.ok("POST", "/bank/create", account(customer_id))
    api.ok("POST", "/bank/create", vpa(customer_id, "asha"))
    other = verified_customer(emu, api, server)
    body = account(other, account_number=first["account_number"])
    assert errors_of(api.post("/bank/create", body)) == {
        "account_number": ["Account number already in use"]
    }
    assert errors_of(api.post("/bank/create", vpa(other, "asha"))) == {
        "vpa": ["VPA already in use"]
    }


def test_failed_account_can_be_added_again(
    emu: EmulatorProcess, api: Api, customer_id: str
) -> None:
    body = account(customer_id, account_name="Wrong Name")
    api.ok("POST", "/bank/create", body)
    emu.decide(customer_id)
    fixed = api.ok("POST", "/bank/create", dict(body, account_name="Asha Rao"))
    assert fixed["bank_account_status"] == "PROCESSING"
    emu.config(bank_count_failed=True)
    emu.decide(customer_id)
    assert list(errors_of(api.post("/bank/create", body))) == ["account_number"]


def test_at_most_three_of_each(api: Api, customer_id: str) -> None:
    for _ in range(3):
        api.ok("POST", "/bank/create", account(customer_id))
    for n in range(3):
        api.ok("POST", "/bank/create", vpa(customer_id, f"asha{n}"))
    assert errors_of(api.post("/bank/create", account(customer_id))) == {
        "account_number": ["Maximum 3 bank account details allowed"]
    }
    assert errors_of(api.post("/bank/create", vpa(customer_id, "asha9"))) == {
        "vpa": ["Maximum 3 UPI IDs allowed"]
    }


def test_get_and_list(emu: EmulatorProcess, api: Api, server: TestServer, customer_id: str) -> None:
    ids = [api.ok("POST", "/bank/create", account(customer_id))["id"] for _ in range(2)]
    page = api.ok("GET", f"/bank/list/{customer_id}")
    assert page["count"] == 2
    assert [b["id"] for b in page["results"]] == ids
    assert page["next"] is None
    assert page["previous"] is None
    assert set(page["results"][0]) == BANK_FIELDS
    small = api.ok("GET", f"/bank/list/{customer_id}?page_size=1")
    assert len(small["results"]) == 1
    assert "page=2" in small["next"]
    other = verified_customer(emu, api, server)
    not_found = {"bank": ["Bank not found or access denied"]}
    assert errors_of(api.get(f"/bank/{other}/{ids[0]}")) == not_found
    assert errors_of(api.get(f"/bank/{customer_id}/{new_uuid()}")) == not_found
    assert errors_of(api.get(f"/bank/{customer_id}/garbage")) == not_found


def test_bank_webhook(emu: EmulatorProcess, api: Api, hook: TestServer, customer_id: str) -> None:
    wait_for(lambda: hook.received())  # the CUSTOMER/VERIFIED event
    data = api.ok("POST", "/bank/create", vpa(customer_id, "failnow"))
    events = wait_for(lambda: [r.json for r in hook.received() if r.json["type"] == "BANK"])
    assert events[0]["id"] == data["id"]
    assert events[0]["event"] == "FAILED"
    assert events[0]["metadata"] == {"failure_reason": "PENNY_DROP_FAILED"}
