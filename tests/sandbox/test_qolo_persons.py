"""Qolo emulator: persons created, read, updated and searched; additionalProperties and
length 400s, the exact 404 texts, and IdempotencyKey replays."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from jsonschema import ValidationError

from sandbox.qolo.process import QoloEmulatorProcess
from tests.sandbox.conftest import QOLO_CDD, QOLO_OTHER_LOGIN
from tests.sandbox.qolo_support import SDD_PROGRAM, QoloApi, person
from tests.support import qolo_spec


def _create(qapi: QoloApi, program: str = SDD_PROGRAM, **details: Any) -> Any:
    return qapi.call("POST", "/persons", {"program_guid": program, "person_details": details})


def test_create_and_get_a_person(qapi: QoloApi) -> None:
    details = person(middle_name="King", nationality="USA", additional_data={"channel": "web"})
    reply = qapi.call("POST", "/persons", {"program_guid": SDD_PROGRAM, "person_details": details})
    assert reply.status == 201
    assert set(reply.body) == {"person_details", "outside_instruments", "wallets"}
    created = reply.body["person_details"]
    guid = created["person_guid"]
    assert str(uuid.UUID(guid)) == guid
    # Qolo's own misspelling on persons; the SDD program clears at once (OFAC only).
    assert (created["person_status"], created["verfication_mode"]) == ("CLEARED", "SDD")
    assert (created["verfication_level"], created["profile_dd_mode"]) == ("OFAC", "SDD")
    assert "verification_mode" not in created
    number = details["identifications"][0]["govt_id_number"]
    assert created["identifications"] == [
        {"govt_id_type": "COUNTRYID", "govt_id_number": "*****" + number[-4:]}
    ]
    assert created["base_address"] == {**details["base_address"], "address_line2": None}
    assert "mailing_address" not in created  # never sent: left out, not null
    assert (created["contact_type"], created["additional_data"]) == (
        "INDIVIDUAL",
        {"channel": "web"},
    )
    for name in ("first_name", "middle_name", "last_name", "birth_date", "email", "nationality"):
        assert created[name] == details[name]
    assert qapi.ok("GET", f"/persons/{guid}") == created


def test_the_404_texts(qapi: QoloApi) -> None:
    missing = str(uuid.uuid4())
    for path in (f"/persons/{missing}", f"/persons/{missing}/kyc"):
        reply = qapi.call("GET", path)
        assert reply.status == 404
        assert (reply.problem["detail"], reply.problem["title"]) == (
            "Person not found",
            "Not Found",
        )
        assert reply.problem["instance"] == "/api/v1" + path
    assert qapi.perform(missing, {"perform_kyc": True}).problem["detail"] == "Person not found"
    unknown = _create(qapi, str(uuid.uuid4()), **person())
    assert (unknown.status, unknown.problem["detail"]) == (404, "Program not found")
    # UpdatePerson documents no 404: an unknown person is a 400 with the same text.
    update = qapi.call("PUT", "/persons", {"person_guid": missing, "first_name": "Ada"})
    assert (update.status, update.problem["detail"]) == (400, "Person not found")


def test_unknown_keys_anywhere_are_400(qapi: QoloApi) -> None:
    details = person(nickname="Ace")
    details["base_address"]["county"] = "Sangamon"
    details["identifications"][0]["issuer"] = "IL"
    body = {"program_guid": SDD_PROGRAM, "person_details": details, "channel": "web"}
    reply = qapi.call("POST", "/persons", body, valid=False)
    assert reply.errors == {
        "channel": [
            "The JSON property 'channel' could not be mapped to any .NET member contained in"
            " type 'CreatePersonRequest'."
        ],
        "person_details.nickname": [
            "The JSON property 'nickname' could not be mapped to any .NET member contained in"
            " type 'PersonDTO'."
        ],
        "person_details.base_address.county": [
            "The JSON property 'county' could not be mapped to any .NET member contained in"
            " type 'AddressDTO'."
        ],
        "person_details.identifications[0].issuer": [
            "The JSON property 'issuer' could not be mapped to any .NET member contained in"
            " type 'PersonIdentificationDTO'."
        ],
    }
    # The spec agrees: every one of these bodies breaks additionalProperties: false.
    with pytest.raises(ValidationError, match="Additional properties"):
        qolo_spec.validate_request("POST", "/api/v1/persons", body)
    assert qapi.ok("POST", "/persons/search", {})["count"] == 0  # nothing was created


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("first_name", 32),
        ("middle_name", 32),
        ("last_name", 32),
        ("nationality", 3),
        ("client_reference_id", 64),
        ("base_address.address_line1", 60),
        ("base_address.address_line2", 60),
        ("base_address.city", 30),
        ("base_address.state", 30),
        ("base_address.postal_code", 10),
        ("base_address.country", 3),
        ("identifications[0].govt_id_number", 800),
    ],
)
def test_field_lengths(qapi: QoloApi, field: str, limit: int) -> None:
    details = person()
    target: Any = details
    *parents, name = field.replace("[0]", ".0").split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[name] = "x" * limit
    body = {"program_guid": SDD_PROGRAM, "person_details": details}
    assert qapi.call("POST", "/persons", body, valid=False).status == 201
    target[name] = "x" * (limit + 1)
    reply = qapi.call("POST", "/persons", body, valid=False)
    message = f"The field {name} must be a string with a maximum length of {limit}."
    assert reply.errors == {f"person_details.{field}": [message]}


def test_types_formats_enums_and_required_fields(qapi: QoloApi) -> None:
    assert qapi.call("POST", "/persons", {}, valid=False).errors == {
        "person_details": ["The person_details field is required."],
        "program_guid": ["The program_guid field is required."],
    }
    details = person(
        birth_date="10/12/1990",
        first_name=7,
        address_lat="north",
        identifications=[{"govt_id_type": "SSN", "govt_id_number": "123-45-6789"}, {}],
    )
    del details["last_name"]
    body = {"program_guid": "program-1", "person_details": details, "create_account": "yes"}
    assert qapi.call("POST", "/persons", body, valid=False).errors == {
        "program_guid": ["The JSON value could not be converted to System.Guid."],
        "create_account": ["The JSON value could not be converted to System.Boolean."],
        "person_details.birth_date": [
            "The field birth_date must be a date in the format yyyy-MM-dd."
        ],
        "person_details.first_name": ["The JSON value could not be converted to System.String."],
        "person_details.address_lat": ["The JSON value could not be converted to System.Double."],
        "person_details.identifications[0].govt_id_type": [
            "The JSON value could not be converted to GovtIDType."
        ],
        "person_details.identifications[1].govt_id_type": ["The govt_id_type field is required."],
        "person_details.identifications[1].govt_id_number": [
            "The govt_id_number field is required."
        ],
        "person_details.last_name": ["The last_name field is required."],
    }
    # A corporate person needs only its (business) name in last_name.
    corporate = person(first_name=None, last_name="Acme Corp", contact_type="CORPORATE")
    assert _create(qapi, **corporate).status == 201
    nameless = _create(qapi, **person(first_name=" "))
    assert nameless.errors == {"person_details.first_name": ["The first_name field is required."]}
    with_guid = _create(qapi, **person(person_guid=str(uuid.uuid4())))
    assert list(with_guid.errors) == ["person_details.person_guid"]
    account = {"program_guid": SDD_PROGRAM, "person_details": person(), "create_account": True}
    assert list(qapi.call("POST", "/persons", account).errors) == ["create_account"]


def test_bodies_must_be_json(qapi: QoloApi) -> None:
    headers = {"Content-Type": "application/json"}
    broken = qapi.call("POST", "/persons", data=b"{not json", headers=headers)
    assert broken.errors == {"$": ["The JSON value could not be parsed."]}
    empty = qapi.call("POST", "/persons", data=b"", headers=headers)
    assert empty.errors == {"": ["A non-empty request body is required."]}
    text = qapi.call(
        "POST", "/persons", data=b"{}", headers={"Content-Type": "text/plain"}, undocumented=True
    )
    assert text.status == 415


def test_update_a_person(qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess) -> None:
    created = qapi.create(SDD_PROGRAM)
    guid = created["person_guid"]
    change = {
        "person_guid": guid,
        "email": "ada@lovelace.example",
        "mailing_address": {"address_line1": "PO Box 7", "city": "Springfield", "country": "USA"},
        "person_status": "SANCTIONED",  # the status is Qolo's to set: ignored
    }
    updated = qapi.ok("PUT", "/persons", change)
    assert updated["email"] == "ada@lovelace.example"
    assert updated["mailing_address"]["address_line1"] == "PO Box 7"
    assert (updated["person_status"], updated["first_name"]) == ("CLEARED", "Ada")
    assert qapi.ok("GET", f"/persons/{guid}") == updated
    assert qapi.call("PUT", "/persons", {"email": "x@example.com"}).errors == {
        "person_guid": ["The person_guid field is required."]
    }
    assert list(
        qapi.call("PUT", "/persons", {"person_guid": guid, "alias": "A"}, valid=False).errors
    ) == ["alias"]
    assert list(qapi.call("PUT", "/persons", {"person_guid": guid, "last_name": None}).errors) == [
        "last_name"
    ]
    assert [e["status"] for e in qolo_sandbox.requests(method="PUT")] == [200, 400, 400, 400]


def test_search_persons(qapi: QoloApi) -> None:
    first = qapi.create(SDD_PROGRAM, client_reference_id="ref-A", email="Grace@Example.com")
    second = qapi.create(QOLO_CDD, client_reference_id="ref-B", govt_id_number="987654321")
    third = qapi.create(SDD_PROGRAM, client_reference_id="ref-C", last_name="Hopper")

    def found(search: dict[str, Any]) -> list[str]:
        reply = qapi.ok("POST", "/persons/search", search)
        return [item["person_guid"] for item in reply["data"]]

    assert found({"client_reference_id": "ref-B"}) == [second["person_guid"]]
    assert found({"email_address": "grace@example.COM"}) == [first["person_guid"]]
    assert found({"govt_id_number": "987654321"}) == [second["person_guid"]]
    assert found({"customer_search": "hopp"}) == [third["person_guid"]]
    assert found({"last_name": "lovelace", "birth_date": "1990-12-10T00:00:00Z"}) == [
        first["person_guid"],
        second["person_guid"],
    ]
    assert found({"card_proxy": "1234"}) == []
    assert found({"person_guid": first["person_guid"], "client_reference_id": "ref-B"}) == []
    page = qapi.ok("POST", "/persons/search", {"limit": 2})
    assert (page["count"], page["start_index"], page["end_index"], page["has_more"]) == (
        2,
        1,
        2,
        True,
    )
    last = qapi.ok("POST", "/persons/search", {"limit": 2, "start_index": 3})
    assert (last["count"], last["start_index"], last["end_index"], last["has_more"]) == (
        1,
        3,
        3,
        False,
    )
    assert last["data"][0] == qapi.ok("GET", f"/persons/{third['person_guid']}")
    assert list(qapi.call("POST", "/persons/search", {"limit": 0}).errors) == ["limit"]
    assert list(qapi.call("POST", "/persons/search", {"name": "Ada"}, valid=False).errors) == [
        "name"
    ]


def test_an_idempotency_key_replays_the_first_answer(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    body = {"program_guid": SDD_PROGRAM, "person_details": person()}
    first = qapi.call("POST", "/persons", body, idempotency_key="sub-1")
    assert first.status == 201
    # Replayed whatever the body says now: status and body, and nothing created.
    changed = {**body, "person_details": person(first_name="Grace")}
    again = qapi.call("POST", "/persons", changed, idempotency_key="sub-1")
    assert (again.status, again.body) == (first.status, first.body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(qolo_sandbox.persons()) == 1
    other = qapi.call("POST", "/persons", body, idempotency_key="sub-2")
    assert (
        other.body["person_details"]["person_guid"] != first.body["person_details"]["person_guid"]
    )
    # A first answer that was a 400 is replayed too: the key is spent.
    refused = qapi.call(
        "POST", "/persons", {"person_details": {}}, idempotency_key="sub-3", valid=False
    )
    assert refused.status == 400
    assert qapi.call("POST", "/persons", body, idempotency_key="sub-3").body == refused.body
    # Keys belong to a login: another login's same key is a new call.
    other_login = QoloApi(qolo_sandbox.base_url, *QOLO_OTHER_LOGIN)
    assert other_login.call("POST", "/persons", body, idempotency_key="sub-1").body != first.body
    assert len(qolo_sandbox.persons()) == 3
    log = qolo_sandbox.requests(path="/api/v1/persons")
    assert [(e["idempotency_key"], e["replayed"]) for e in log] == [
        ("sub-1", False),
        ("sub-1", True),
        ("sub-2", False),
        ("sub-3", False),
        ("sub-3", True),
        ("sub-1", False),
    ]
    # Once `idempotency_ttl` has passed, the key is forgotten.
    qolo_sandbox.config(idempotency_ttl=0)
    assert qapi.call("POST", "/persons", body, idempotency_key="sub-1").body != first.body


def test_perform_kyc_is_idempotent_too(qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess) -> None:
    guid = qapi.create(QOLO_CDD)["person_guid"]
    body = {
        "perform_kyc": True,
        "identifications": [{"govt_id_type": "COUNTRYID", "govt_id_number": "5550000"}],
    }
    first = qapi.perform(guid, body, idempotency_key="kyc-1")
    again = qapi.perform(guid, body, idempotency_key="kyc-1")
    assert first.status == again.status == 200
    assert first.body == again.body
    assert len(qapi.kyc(guid)["verificationResults"]) == len(first.body["verificationResults"])
