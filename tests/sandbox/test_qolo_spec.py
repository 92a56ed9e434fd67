"""The Qolo spec fixture itself (tests/support/qolo_spec.py): the live fields merged, OpenAPI
3.0 nullables, path templates, the login left unchecked on purpose, a missing extract."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from jsonschema import ValidationError

from tests.support import qolo_spec

GUID = str(uuid.uuid4())


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("POST", "/api/v1/persons", "/api/{version}/persons"),
        ("PUT", "/api/v1/persons", "/api/{version}/persons"),
        ("POST", "/api/v1/persons/search", "/api/{version}/persons/search"),
        ("GET", f"/api/v1/persons/{GUID}", "/api/{version}/persons/{person_guid}"),
        (
            "POST",
            f"http://qolo:8300/api/v1/persons/{GUID}/kyc",
            "/api/{version}/persons/{person_guid}/kyc",
        ),
        ("GET", f"/persons/{GUID}/kyc", "/api/{version}/persons/{person_guid}/kyc"),
        ("GET", "/api/v1/webhooks?limit=2", "/api/{version}/webhooks"),
        ("PUT", f"/api/v1/webhooks/{GUID}", "/api/{version}/webhooks/{notification_guid}"),
    ],
)
def test_concrete_paths_find_their_template(method: str, path: str, template: str) -> None:
    found, operation = qolo_spec.operation(method, path)
    assert found == template
    assert operation["operationId"]


def test_unknown_operations_are_errors() -> None:
    with pytest.raises(ValidationError, match="no such path"):
        qolo_spec.operation("GET", "/api/v1/cards")
    with pytest.raises(ValidationError, match="is not an operation"):
        qolo_spec.operation("DELETE", f"/api/v1/persons/{GUID}")


def test_the_live_fields_are_merged_and_nothing_else_allowed() -> None:
    path = f"/api/v1/persons/{GUID}/kyc"
    qolo_spec.validate_request(
        "POST",
        path,
        {
            "perform_kyc": True,
            "notes": None,
            "document": {"face_image": "aGk=", "liveness_detected": True},
            "client_verification": {
                "verification_datetime": "2025-01-15T10:30:00Z",
                "verification_provider": "Acme",
                "verification_provider_refnumber": "1",
                "verification_level": "CDD",
                "person_status_update": True,
                "override_sanction_check": False,
                "document_approved": True,
            },
        },
    )
    with pytest.raises(ValidationError, match="'selfie' was unexpected"):
        qolo_spec.validate_request("POST", path, {"document": {"selfie": "aGk="}})
    entry = {"person_guid": GUID, "provider_reference": "r", "provider_name": "p", "documents": {}}
    qolo_spec.validate_response("GET", path, 200, {"verificationResults": [entry]})
    with pytest.raises(ValidationError, match="'score' was unexpected"):
        qolo_spec.validate_response("GET", path, 200, {"verificationResults": [{"score": 1}]})


def test_nullable_follows_openapi_3_0() -> None:
    person = qolo_spec.schema("PersonDTO")
    person.validate({"first_name": None, "identifications": None, "person_relations": None})
    with pytest.raises(ValidationError):
        person.validate({"person_status": None})  # an enum $ref, not nullable
    with pytest.raises(ValidationError):
        person.validate({"address_lat": None})  # a double, not nullable
    qolo_spec.schema("NotificationConfigurationDTO").validate(
        {"program_guid": GUID, "url": "https://x", "event_type": ["all"], "active": None}
    )
    with pytest.raises(ValidationError, match="uuid"):
        person.validate({"person_guid": "not-a-guid"})


def test_statuses_and_bodies_are_checked() -> None:
    qolo_spec.validate_response("GET", f"/api/v1/persons/{GUID}", 500, None)
    with pytest.raises(ValidationError, match="no body is documented"):
        qolo_spec.validate_response("GET", f"/api/v1/persons/{GUID}", 500, {"title": "x"})
    with pytest.raises(ValidationError, match="status 404 is not documented"):
        qolo_spec.validate_response("PUT", "/api/v1/persons", 404, {"status": 404})
    with pytest.raises(ValidationError, match="a JSON body is documented"):
        qolo_spec.validate_response("POST", "/api/v1/persons", 201, None)
    qolo_spec.validate_response("PUT", f"/api/v1/webhooks/{GUID}", 204, None)
    with pytest.raises(ValidationError, match="takes no body"):
        qolo_spec.validate_request("GET", "/api/v1/webhooks", {"limit": 1})
    with pytest.raises(ValidationError, match="path parameter person_guid"):
        qolo_spec.validate_request("GET", "/api/v1/persons/42", None)


def test_the_login_is_skipped_with_its_reason() -> None:
    reason = qolo_spec.unspecified("POST", "/api/v1/auth/login")
    assert reason is not None
    assert "no /auth/login path" in reason
    # Nothing to check it against: any body passes, on purpose.
    qolo_spec.validate_request("POST", "/api/v1/auth/login", {"anything": 1})
    qolo_spec.validate_response("POST", "/api/v1/auth/login", 418, "teapot")
    assert qolo_spec.unspecified("GET", "/api/v1/auth/login") is None
    with pytest.raises(ValidationError, match="no such path"):
        qolo_spec.operation("GET", "/api/v1/auth/login")


def test_a_missing_extract_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(qolo_spec, "DELTA_FILE", tmp_path / "gone.json")
    with pytest.raises(RuntimeError, match=r"gone\.json"):
        qolo_spec._files()
