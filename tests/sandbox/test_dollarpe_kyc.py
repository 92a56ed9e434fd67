"""KYC submission, verification outcomes, updates, reset and mock status (§5, §13)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

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

STATUSES = ["UNVERIFIED", "PROCESSING", "VERIFIED", "FAILED"]


def submit(api: Api, server: TestServer, customer: dict | None = None, /, **overrides: Any) -> str:
    customer = customer or create_customer(api)
    data = api.ok("POST", "/kyc/add-kyc-data", kyc_body(customer["id"], server, **overrides))
    assert data == {"id": customer["id"], "status": "PROCESSING", "failure_reason": None}
    return str(customer["id"])


def decide(emu: EmulatorProcess, api: Api, customer_id: str) -> dict[str, Any]:
    """Run the pending decision now and return the public customer."""
    assert emu.decide(customer_id)["kyc_decided"] is True
    return dict(api.ok("GET", f"/customer/{customer_id}"))


def failed(emu: EmulatorProcess, api: Api, server: TestServer, **overrides: Any) -> str:
    customer_id = submit(api, server, **(overrides or {"tax_number": "ABCPE0000F"}))
    assert decide(emu, api, customer_id)["status"] == "FAILED"
    return customer_id


def verified(emu: EmulatorProcess, api: Api, server: TestServer) -> str:
    customer_id = submit(api, server)
    assert decide(emu, api, customer_id)["status"] == "VERIFIED"
    return customer_id


# --- add-kyc-data validation ------------------------------------------------------------------


REQUIRED_FIELDS = [
    "customer_id",
    "full_name",
    "full_address",
    "dob",
    "registered_date",
    "document_type",
    "document_front_image_url",
    "document_back_image_url",
    "document_details",
    "selfie_url",
    "selfie_verification_status",
    "additional_info",
]


def test_every_required_field(api: Api) -> None:
    errors = errors_of(api.post("/kyc/add-kyc-data", {}))
    assert errors == {name: ["This field is required."] for name in REQUIRED_FIELDS}


def test_phone_and_tax_number_optional_by_default(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    customer = create_customer(api)
    body = kyc_body(customer["id"], server)
    del body["phone"], body["tax_number"]
    assert api.post("/kyc/add-kyc-data", body).status_code == 200
    emu.config(kyc_tax_number_required=True, kyc_phone_required=True)
    errors = errors_of(api.post("/kyc/add-kyc-data", body))
    assert errors == {
        "phone": ["This field is required."],
        "tax_number": ["This field is required."],
    }


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"customer_id": "abc"}, {"customer_id": ["Must be a valid UUID."]}),
        (
            {"dob": "1990-08-15", "registered_date": "31-02-2024"},
            {
                "dob": ["Date has wrong format. Use one of these formats instead: DD-MM-YYYY."],
                "registered_date": [
                    "Date has wrong format. Use one of these formats instead: DD-MM-YYYY."
                ],
            },
        ),
        ({"document_type": "PAN"}, {"document_type": ['"PAN" is not a valid choice.']}),
        (
            {"document_front_image_url": "front.jpg", "selfie_url": "ftp:/x"},
            {
                "document_front_image_url": ["Enter a valid URL."],
                "selfie_url": ["Enter a valid URL."],
            },
        ),
        (
            {"document_details": {"additional_data": {}}},
            {"document_details": {"document_number": ["This field is required."]}},
        ),
        (
            {"document_details": "1234"},
            {"document_details": ['Expected a dictionary of items but got type "str".']},
        ),
        (
            {"selfie_verification_status": "perhaps"},
            {"selfie_verification_status": ["Must be a valid boolean."]},
        ),
        ({"full_address": ""}, {"full_address": ["This field may not be blank."]}),
        (
            {"full_name": "x" * 256},
            {"full_name": ["Ensure this field has no more than 255 characters."]},
        ),
        (
            {"additional_info": {"income_range": "<10L"}},
            {"additional_info": ["profession: This field is required."]},
        ),
        (
            {"additional_info": {"income_range": "", "profession": "x"}},
            {"additional_info": ["income_range: This field may not be blank."]},
        ),
    ],
)
def test_add_kyc_validation(api: Api, server: TestServer, overrides: dict, errors: dict) -> None:
    customer = create_customer(api)
    body = kyc_body(customer["id"], server, **overrides)
    assert errors_of(api.post("/kyc/add-kyc-data", body)) == errors


def test_non_resident_additional_info(api: Api, server: TestServer) -> None:
    customer = create_customer(api, non_residence_status=True)
    body = kyc_body(customer["id"], server, additional_info={})
    assert errors_of(api.post("/kyc/add-kyc-data", body)) == {
        "additional_info": ["At least 1 of ssn_number, visa required."]
    }
    body["additional_info"] = {"visa": "not a url"}
    assert errors_of(api.post("/kyc/add-kyc-data", body)) == {
        "additional_info": ["visa: Enter a valid URL."]
    }
    body["additional_info"] = {"ssn_number": "123-45-6789"}
    assert api.post("/kyc/add-kyc-data", body).status_code == 200


def test_document_type_follows_configuration(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    emu.config(
        kyc_configuration={
            "supported_document_types": ["PASSPORT"],
            "additional_info_required": {
                "options": ["a", "b", "c"],
                "rules": {"type": "anyOf", "min_required": 2},
                "a": {"type": "string", "required": True},
            },
        }
    )
    customer = create_customer(api)
    body = kyc_body(customer["id"], server, additional_info={"a": "1"})
    assert errors_of(api.post("/kyc/add-kyc-data", body)) == {
        "document_type": ['"AADHAAR" is not a valid choice.'],
        "additional_info": ["At least 2 of a, b, c required."],
    }
    body.update(document_type="PASSPORT", additional_info={"a": "1", "c": "3"})
    assert api.post("/kyc/add-kyc-data", body).status_code == 200


def test_add_kyc_business_errors(api: Api, other_api: Api, server: TestServer) -> None:
    first = create_customer(api)
    body = kyc_body(first["id"], server)
    assert errors_of(other_api.post("/kyc/add-kyc-data", body)) == {
        "customer": ["Customer not found or access denied"]
    }
    missing = kyc_body(new_uuid(), server)
    assert errors_of(api.post("/kyc/add-kyc-data", missing)) == {
        "customer": ["Customer not found or access denied"]
    }
    api.ok("POST", "/kyc/add-kyc-data", body)
    assert errors_of(api.post("/kyc/add-kyc-data", body)) == {"kyc": ["KYC already exists"]}


@pytest.mark.parametrize("field", ["tax_number", "document_details"])
def test_kyc_already_in_use(api: Api, other_api: Api, server: TestServer, field: str) -> None:
    first = kyc_body(create_customer(api)["id"], server)
    api.ok("POST", "/kyc/add-kyc-data", first)
    second = kyc_body(create_customer(other_api)["id"], server, **{field: first[field]})
    # Global across organisations by default.
    assert errors_of(other_api.post("/kyc/add-kyc-data", second)) == {"kyc": ["KYC already in use"]}


def test_kyc_in_use_scope_can_be_per_org(
    emu: EmulatorProcess, api: Api, other_api: Api, server: TestServer
) -> None:
    emu.config(kyc_in_use_scope="org")
    first = kyc_body(create_customer(api)["id"], server)
    api.ok("POST", "/kyc/add-kyc-data", first)
    second = kyc_body(create_customer(other_api)["id"], server, tax_number=first["tax_number"])
    assert other_api.post("/kyc/add-kyc-data", second).status_code == 200


# --- outcomes ---------------------------------------------------------------------------------


def test_auto_decision_verifies_and_records_documents(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    customer_id = submit(api, server)
    wait_for(lambda: api.ok("GET", f"/customer/{customer_id}")["status"] == "VERIFIED")
    state = emu.customer(customer_id)
    assert state["document_type"] == "AADHAAR"
    assert state["public"]["document_type"] == "AADHAAR"
    assert [(d["role"], d["detected_type"], d["ok"]) for d in state["documents"]] == [
        ("document_front", "jpeg", True),
        ("document_back", "pdf", True),
        ("selfie", "png", True),
    ]
    assert all("?" not in d["url"] and d["size"] > 0 for d in state["documents"])
    assert "s3cr3t" not in str(state)
    assert state["pending_jobs"] == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"tax_number": "ABCPE0000F"}, "TAX_VERIFICATION_FAILED"),
        ({"document_details": {"document_number": "000012345678"}}, "DOCUMENT_VERIFICATION_FAILED"),
        ({"selfie_verification_status": False}, "SELFIE_VERIFICATION_FAILED"),
        ({"dob": "01-01-1900"}, "KYC_FAILED"),
        (
            {"additional_info": {"income_range": "FAIL", "profession": "x"}},
            "ADDITIONAL_INFO_VERIFICATION_FAILED",
        ),
    ],
)
def test_magic_values(
    emu: EmulatorProcess, api: Api, server: TestServer, overrides: dict, reason: str
) -> None:
    customer_id = submit(api, server, **overrides)
    customer = decide(emu, api, customer_id)
    assert (customer["status"], customer["failure_reason"]) == ("FAILED", reason)


def test_additional_info_code_is_configurable(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    emu.config(additional_info_failure_code="ADDITIONAL_INFO_FAILED")
    customer_id = submit(api, server, additional_info={"income_range": "FAIL", "profession": "x"})
    assert decide(emu, api, customer_id)["failure_reason"] == "ADDITIONAL_INFO_FAILED"


def _unreachable() -> str:
    return "http://127.0.0.1:9/front.jpg?X-Amz-Signature=s3cr3t"


@pytest.mark.parametrize(
    ("field", "file", "reason"),
    [
        ("document_front_image_url", None, "DOCUMENT_VERIFICATION_FAILED"),
        ("document_front_image_url", "/files/missing.jpg", "DOCUMENT_VERIFICATION_FAILED"),
        ("document_back_image_url", "/files/evil.png", "DOCUMENT_VERIFICATION_FAILED"),
        ("selfie_url", "/files/selfie.pdf", "SELFIE_VERIFICATION_FAILED"),
        ("selfie_url", "/files/evil.png", "SELFIE_VERIFICATION_FAILED"),
        ("selfie_url", None, "SELFIE_VERIFICATION_FAILED"),
    ],
)
def test_document_fetch_failures(
    emu: EmulatorProcess, api: Api, server: TestServer, field: str, file: str | None, reason: str
) -> None:
    url = server.url(file) if file else _unreachable()
    customer_id = submit(api, server, **{field: url})
    customer = decide(emu, api, customer_id)
    assert (customer["status"], customer["failure_reason"]) == ("FAILED", reason)
    bad = [d for d in emu.customer(customer_id)["documents"] if not d["ok"]]
    assert len(bad) == 1
    assert bad[0]["error"]


def test_pdf_and_jpeg_documents_pass(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    customer_id = submit(
        api,
        server,
        document_front_image_url=server.url("/files/back.pdf"),
        selfie_url=server.url("/files/selfie.jpg"),
    )
    assert decide(emu, api, customer_id)["status"] == "VERIFIED"


def test_size_cap(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    emu.config(document_max_bytes=64)
    customer_id = submit(api, server)
    customer = decide(emu, api, customer_id)
    assert customer["failure_reason"] == "DOCUMENT_VERIFICATION_FAILED"
    assert emu.customer(customer_id)["documents"][0]["error"] == "too large"


def test_auto_decision_can_be_off(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    emu.config(auto_decision=False)
    customer_id = submit(api, server)
    assert emu.customer(customer_id)["pending_jobs"] == []
    assert decide(emu, api, customer_id)["status"] == "VERIFIED"


# --- updates ----------------------------------------------------------------------------------


def test_update_tax_reprocesses_with_the_update(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    customer_id = failed(emu, api, server)
    data = api.ok(
        "PATCH", "/kyc/update-tax-info", {"customer_id": customer_id, "tax_number": "ABCPE4321F"}
    )
    assert data == {"id": customer_id, "status": "PROCESSING", "failure_reason": None}
    assert api.ok("GET", f"/customer/{customer_id}")["status"] == "PROCESSING"
    wait_for(lambda: api.ok("GET", f"/customer/{customer_id}")["status"] == "VERIFIED")
    state = emu.customer(customer_id)
    assert state["kyc"]["tax_number"] == "ABCPE4321F"
    assert state["update_count"] == 1


@pytest.mark.parametrize(
    ("path", "body", "failure"),
    [
        (
            "/kyc/update-document-info",
            {
                "full_address": "1 New Road",
                "document_type": "PASSPORT",
                "document_front_image_url": "FRONT",
                "document_back_image_url": "FRONT",
                "document_details": {"document_number": "P1234567"},
            },
            {"document_details": {"document_number": "000011112222"}},
        ),
        (
            "/kyc/update-selfie-info",
            {"selfie_url": "FRONT"},
            {"selfie_verification_status": False},
        ),
        (
            "/kyc/update-additional-info",
            {"additional_info": {"income_range": "10L-25L", "profession": "Doctor"}},
            {"additional_info": {"income_range": "FAIL", "profession": "x"}},
        ),
    ],
)
def test_each_update_fixes_its_failure(
    emu: EmulatorProcess, api: Api, server: TestServer, path: str, body: dict, failure: dict
) -> None:
    customer_id = failed(emu, api, server, **failure)
    front = server.url("/files/front.jpg")
    payload = {k: front if v == "FRONT" else v for k, v in body.items()}
    data = api.ok("PATCH", path, {"customer_id": customer_id, **payload})
    assert data["status"] == "PROCESSING"
    assert decide(emu, api, customer_id)["status"] == "VERIFIED"
    if path.endswith("document-info"):
        assert api.ok("GET", f"/customer/{customer_id}")["document_type"] == "PASSPORT"


def test_updates_accept_post_for_the_guides(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    customer_id = failed(emu, api, server)
    body = {"customer_id": customer_id, "tax_number": "ABCPE4321F"}
    assert api.ok("POST", "/kyc/update-tax-info", body)["status"] == "PROCESSING"


def test_update_response_status_is_configurable(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    emu.config(update_response_status="UNVERIFIED")
    customer_id = failed(emu, api, server)
    body = {"customer_id": customer_id, "tax_number": "ABCPE4321F"}
    assert api.ok("PATCH", "/kyc/update-tax-info", body)["status"] == "UNVERIFIED"
    assert api.ok("GET", f"/customer/{customer_id}")["status"] == "PROCESSING"


@pytest.mark.parametrize("status", ["UNVERIFIED", "PROCESSING", "VERIFIED"])
def test_updates_only_when_failed(
    emu: EmulatorProcess, api: Api, server: TestServer, status: str
) -> None:
    customer = create_customer(api)
    if status != "UNVERIFIED":
        submit(api, server, customer)
    if status == "VERIFIED":
        decide(emu, api, customer["id"])
    body = {"customer_id": customer["id"], "tax_number": "ABCPE4321F"}
    errors = errors_of(api.patch("/kyc/update-tax-info", body))
    assert list(errors) == ["kyc"]


def test_update_validation_and_ownership(
    emu: EmulatorProcess, api: Api, other_api: Api, server: TestServer
) -> None:
    customer_id = failed(emu, api, server)
    assert errors_of(api.patch("/kyc/update-tax-info", {"customer_id": customer_id})) == {
        "tax_number": ["This field is required."]
    }
    assert errors_of(
        api.patch("/kyc/update-selfie-info", {"customer_id": customer_id, "selfie_url": "x"})
    ) == {"selfie_url": ["Enter a valid URL."]}
    body = {"customer_id": customer_id, "tax_number": "ABCPE4321F"}
    assert errors_of(other_api.patch("/kyc/update-tax-info", body)) == {
        "customer": ["Customer not found or access denied"]
    }


def test_update_kyc_in_use(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    other = kyc_body(create_customer(api)["id"], server)
    api.ok("POST", "/kyc/add-kyc-data", other)
    customer_id = failed(emu, api, server)
    body = {"customer_id": customer_id, "tax_number": other["tax_number"]}
    assert errors_of(api.patch("/kyc/update-tax-info", body)) == {"kyc": ["KYC already in use"]}


LIMIT_TEXTS = {
    "/kyc/update-tax-info": "Limit exceeded",
    "/kyc/update-selfie-info": "Kyc update limit exceeded",
    "/kyc/update-document-info": "Kyc update limit exceeded",
    "/kyc/update-additional-info": "Kyc update limit exceeded",
}


def _fail_update(emu: EmulatorProcess, api: Api, customer_id: str, tax: str) -> dict[str, Any]:
    api.ok("PATCH", "/kyc/update-tax-info", {"customer_id": customer_id, "tax_number": tax})
    return decide(emu, api, customer_id)


def test_update_limit_is_shared_and_then_blocks(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    customer_id = failed(emu, api, server)
    assert (
        _fail_update(emu, api, customer_id, "ABCPE0000G")["failure_reason"]
        == "TAX_VERIFICATION_FAILED"
    )
    # A different endpoint uses the same counter.
    body = {"customer_id": customer_id, "selfie_url": server.url("/files/selfie.jpg")}
    api.ok("PATCH", "/kyc/update-selfie-info", body)
    assert decide(emu, api, customer_id)["failure_reason"] == "TAX_VERIFICATION_FAILED"
    # The third update fails again: no updates are left, so the customer is blocked.
    third = _fail_update(emu, api, customer_id, "ABCPE0000H")
    assert (third["status"], third["failure_reason"]) == ("FAILED", "KYC_FAILED")
    assert emu.customer(customer_id)["update_count"] == 3
    front = server.url("/files/front.jpg")
    bodies: dict[str, dict[str, Any]] = {
        "/kyc/update-tax-info": {"tax_number": "ABCPE4321F"},
        "/kyc/update-selfie-info": {"selfie_url": front},
        "/kyc/update-document-info": {
            "full_address": "x",
            "document_type": "AADHAAR",
            "document_front_image_url": front,
            "document_back_image_url": front,
            "document_details": {"document_number": "123412341234"},
        },
        "/kyc/update-additional-info": {
            "additional_info": {"income_range": "a", "profession": "b"}
        },
    }
    for path, text in LIMIT_TEXTS.items():
        response = api.patch(path, {"customer_id": customer_id, **bodies[path]})
        assert errors_of(response) == {"kyc": [text]}, path


def test_limit_reason_is_configurable(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    emu.config(update_limit=1, limit_failure_reason=None)
    customer_id = failed(emu, api, server)
    assert (
        _fail_update(emu, api, customer_id, "ABCPE0000G")["failure_reason"]
        == "TAX_VERIFICATION_FAILED"
    )
    body = {"customer_id": customer_id, "tax_number": "ABCPE4321F"}
    assert errors_of(api.patch("/kyc/update-tax-info", body)) == {"kyc": ["Limit exceeded"]}


def test_terminal_failure_refuses_updates(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    customer_id = failed(emu, api, server, dob="01-01-1900")
    body = {"customer_id": customer_id, "tax_number": "ABCPE4321F"}
    assert errors_of(api.patch("/kyc/update-tax-info", body)) == {"kyc": ["Limit exceeded"]}


# --- reset ------------------------------------------------------------------------------------


def test_reset_only_when_verified(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    customer = create_customer(api)
    assert list(errors_of(api.post("/kyc/reset-kyc", {"customer_id": customer["id"]}))) == ["kyc"]
    failed_id = failed(emu, api, server)
    assert list(errors_of(api.post("/kyc/reset-kyc", {"customer_id": failed_id}))) == ["kyc"]
    assert errors_of(api.post("/kyc/reset-kyc", {})) == {"customer_id": ["This field is required."]}


def test_reset_clears_kyc_but_not_the_counter(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    customer_id = failed(emu, api, server)
    api.ok(
        "PATCH", "/kyc/update-tax-info", {"customer_id": customer_id, "tax_number": "ABCPE4321F"}
    )
    assert decide(emu, api, customer_id)["status"] == "VERIFIED"
    data = api.ok("POST", "/kyc/reset-kyc", {"customer_id": customer_id})
    assert data == {"id": customer_id, "status": "UNVERIFIED"}
    customer = api.ok("GET", f"/customer/{customer_id}")
    assert customer["document_type"] is None
    assert customer["failure_reason"] is None
    state = emu.customer(customer_id)
    assert state["kyc"] is None
    assert state["update_count"] == 1
    # KYC can be submitted again, even with the same PAN.
    submit(api, server, customer)


def test_reset_can_clear_the_counter(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    emu.config(reset_clears_update_count=True)
    customer_id = failed(emu, api, server)
    api.ok(
        "PATCH", "/kyc/update-tax-info", {"customer_id": customer_id, "tax_number": "ABCPE4321F"}
    )
    decide(emu, api, customer_id)
    api.ok("POST", "/kyc/reset-kyc", {"customer_id": customer_id})
    assert emu.customer(customer_id)["update_count"] == 0


# --- mock-kyc-status --------------------------------------------------------------------------

DOCUMENTED = {
    "UNVERIFIED": set(),
    "FAILED": {"UNVERIFIED"},
    "VERIFIED": {"UNVERIFIED"},
    "PROCESSING": {
        "TAX_VERIFICATION_FAILED",
        "DOCUMENT_VERIFICATION_FAILED",
        "VERIFIED",
        "UNVERIFIED",
    },
}
EXTENSION = {"SELFIE_VERIFICATION_FAILED", "KYC_FAILED"}
TARGETS = sorted(
    {"UNVERIFIED", "VERIFIED", "PROCESSING", "FAILED"} | DOCUMENTED["PROCESSING"] | EXTENSION
)


def _customer_in(emu: EmulatorProcess, api: Api, server: TestServer, status: str) -> str:
    if status == "UNVERIFIED":
        return str(create_customer(api)["id"])
    if status == "FAILED":
        return failed(emu, api, server)
    if status == "VERIFIED":
        return verified(emu, api, server)
    emu.config(auto_decision=False)
    return submit(api, server)


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", TARGETS)
def test_mock_transition_table(
    emu: EmulatorProcess, api: Api, server: TestServer, current: str, target: str
) -> None:
    customer_id = _customer_in(emu, api, server, current)
    response = api.patch("/kyc/mock-kyc-status", {"customer_id": customer_id, "kyc_status": target})
    allowed = DOCUMENTED[current] | (EXTENSION if current == "PROCESSING" else set())
    if target not in allowed:
        assert errors_of(response) == {"kyc_status": ["Invalid status transition"]}
        assert api.ok("GET", f"/customer/{customer_id}")["status"] == current
        return
    expected = target if target in ("VERIFIED", "UNVERIFIED") else "FAILED"
    assert response.json()["data"] == {"id": customer_id, "status": expected}
    customer = api.ok("GET", f"/customer/{customer_id}")
    assert customer["status"] == expected
    assert customer["failure_reason"] == (target if expected == "FAILED" else None)


def test_mock_extension_can_be_disabled(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    emu.config(mock_extended_failures=False)
    customer_id = _customer_in(emu, api, server, "PROCESSING")
    body = {"customer_id": customer_id, "kyc_status": "SELFIE_VERIFICATION_FAILED"}
    assert errors_of(api.patch("/kyc/mock-kyc-status", body)) == {
        "kyc_status": ["Invalid status transition"]
    }


def test_mock_rejects_unknown_values_and_post(api: Api) -> None:
    customer = create_customer(api)
    body = {"customer_id": customer["id"], "kyc_status": "APPROVED"}
    assert errors_of(api.patch("/kyc/mock-kyc-status", body)) == {
        "kyc_status": ['"APPROVED" is not a valid choice.']
    }
    assert api.post("/kyc/mock-kyc-status", body).status_code == 405


def test_mock_cancels_pending_decision_and_fires_webhook(
    emu: EmulatorProcess, api: Api, hook: TestServer, server: TestServer
) -> None:
    emu.config(decision_delay=0.5)
    customer_id = submit(api, server)
    assert emu.customer(customer_id)["pending_jobs"]
    body = {"customer_id": customer_id, "kyc_status": "DOCUMENT_VERIFICATION_FAILED"}
    api.ok("PATCH", "/kyc/mock-kyc-status", body)
    assert emu.customer(customer_id)["pending_jobs"] == []
    received = wait_for(lambda: hook.received())
    assert received[0].json["metadata"] == {"failure_reason": "DOCUMENT_VERIFICATION_FAILED"}
    assert received[0].json["event"] == "FAILED"
    assert received[0].json["type"] == "CUSTOMER"
    jobs = emu.customer(customer_id)["jobs"]
    assert [j["status"] for j in jobs if j["kind"] == "kyc_decision"] == ["cancelled"]
    assert (
        api.ok("GET", f"/customer/{customer_id}")["failure_reason"]
        == "DOCUMENT_VERIFICATION_FAILED"
    )


def test_mock_unverified_sends_no_webhook(
    emu: EmulatorProcess, api: Api, hook: TestServer, server: TestServer
) -> None:
    customer_id = verified(emu, api, server)
    wait_for(lambda: hook.received())
    api.ok(
        "PATCH", "/kyc/mock-kyc-status", {"customer_id": customer_id, "kyc_status": "UNVERIFIED"}
    )
    assert emu.customer(customer_id)["kyc"] is None
    assert [d["payload"]["event"] for d in emu.deliveries()] == ["VERIFIED"]


# --- hosted KYC link --------------------------------------------------------------------------


def test_generate_link_and_hosted_page(emu: EmulatorProcess, api: Api, server: TestServer) -> None:
    customer = create_customer(api)
    body = {"customer_id": customer["id"], "redirect_url": "https://app.example/kyc/done"}
    data = api.ok("POST", "/kyc/generate-link", body)
    assert data["customer_id"] == customer["id"]
    assert data["url"].startswith(emu.base_url)
    page = requests.get(data["url"], timeout=5)
    assert page.status_code == 200
    assert "Approve" in page.text
    done = requests.post(data["url"], data={"outcome": "approve"}, allow_redirects=False, timeout=5)
    assert done.status_code == 302
    assert done.headers["Location"] == body["redirect_url"]
    assert api.ok("GET", f"/customer/{customer['id']}")["status"] == "PROCESSING"
    assert decide(emu, api, customer["id"])["status"] == "VERIFIED"
    assert requests.get(data["url"], timeout=5).status_code == 410
    assert errors_of(api.post("/kyc/generate-link", body)) == {"kyc": ["KYC already exists"]}
    assert errors_of(api.post("/kyc/generate-link", {"customer_id": customer["id"]})) == {
        "redirect_url": ["This field is required."]
    }
