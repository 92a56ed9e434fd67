"""Qolo emulator: every deterministic KYC outcome (pass, EID fail, challenge answered right and
wrong, sanction/PEP/NEGLIST, documents passing, failing and unreadable, client verification),
"Person Already Verified", program flips, the decision delay and forced decisions."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox.qolo.process import QoloEmulatorProcess
from tests.sandbox.conftest import QOLO_CDD
from tests.sandbox.dollarpe_support import TestServer, wait_for
from tests.sandbox.qolo_support import (
    SDD_PROGRAM,
    QoloApi,
    b64,
    client_verification,
    document,
    entries,
    events,
    subscribe,
)
from tests.support import images

CHALLENGE_ID = "123-45-1111"
FAILING_ID = "123-45-0000"


def _ids(number: str) -> list[dict[str, str]]:
    return [{"govt_id_type": "COUNTRYID", "govt_id_number": number}]


def _answers(qolo_sandbox: QoloEmulatorProcess, guid: str, **wrong: str) -> list[dict[str, str]]:
    correct = qolo_sandbox.answers(guid)
    return [{"key": key, "answer": wrong.get(key, answer)} for key, answer in correct.items()]


def test_cdd_passes_eid_then_waits_for_a_document(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    created = qapi.create(QOLO_CDD)
    guid = created["person_guid"]
    assert (created["person_status"], created["verfication_mode"]) == ("UNVERIFIED", "CDD")
    result = qapi.kyc(guid)
    assert entries(result) == [("OFAC", "PASS", None), ("EID", "PASS", None)]
    assert (result["verification_mode"], result["verification_level"]) == ("CDD", "EID")
    assert result["additional_desc"] == "A document is required."
    assert "verfication_mode" not in result  # the result spells it correctly
    for entry in result["verificationResults"]:
        assert entry["person_guid"] == guid
        assert entry["provider_name"] in ("OFAC", "IDology")
        assert entry["questions"] is None
    front, selfie = images.jpeg(), images.png()
    body = {
        "perform_kyc": True,
        "document": document(
            "JPG", front, face_image=b64(selfie), liveness_detected=True, back=b64(images.PDF)
        ),
    }
    after = qapi.perform(guid, body)
    assert after.status == 200
    assert entries(after.body)[-1] == ("DOC", "PASS", None)
    assert (after.body["verification_level"], qapi.status(guid)) == ("DOC", "CLEARED")
    doc = after.body["verificationResults"][-1]
    assert doc["document_type"] == "PASSPORT"
    files = doc["documents"]
    assert (files["file_type"], files["back_file_type"]) == ("JPG", "PDF")
    assert doc["document_path"] == files["front_docpath"]
    for side, data in (("front", front), ("back", images.PDF), ("face_image", selfie)):
        assert requests.get(files[f"{side}_docpath"], timeout=5).content == data
    assert len(after.body["verificationResults"]) == 3  # no re-run of EID for a document


def test_cdd_without_the_document_rule_clears_on_eid(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    qolo_sandbox.config(require_document=False)
    assert qapi.create(QOLO_CDD)["person_status"] == "CLEARED"


def test_sdd_screens_only_the_name(qapi: QoloApi) -> None:
    created = qapi.create(SDD_PROGRAM, govt_id_number=FAILING_ID)
    assert (created["person_status"], created["verfication_level"]) == ("CLEARED", "OFAC")
    assert entries(qapi.kyc(created["person_guid"])) == [("OFAC", "PASS", None)]


def test_an_eid_failure_and_a_corrected_retry(qapi: QoloApi) -> None:
    guid = qapi.create(QOLO_CDD, govt_id_number=FAILING_ID)["person_guid"]
    assert qapi.status(guid) == "UNVERIFIED"
    assert entries(qapi.kyc(guid))[-1] == ("EID", "FAIL", "EID_NOT_VERIFIED")
    retry = qapi.perform(guid, {"perform_kyc": True, "identifications": _ids("123-45-6789")})
    assert entries(retry.body)[-2:] == [("OFAC", "PASS", None), ("EID", "PASS", None)]
    assert (
        qapi.ok("GET", f"/persons/{guid}")["identifications"][0]["govt_id_number"] == "*******6789"
    )
    # A re-run without new identifications uses the stored ones.
    again = qapi.perform(guid, {"perform_kyc": True})
    assert entries(again.body)[-1] == ("EID", "PASS", None)


def test_no_identification_is_incomplete(qapi: QoloApi) -> None:
    guid = qapi.create(QOLO_CDD, identifications=None)["person_guid"]
    assert qapi.status(guid) == "INCOMPLETE"
    result = qapi.kyc(guid)
    assert entries(result)[-1] == ("EID", "FAIL", "EID_ID_REQUIRED")
    assert result["additional_desc"] == "An identification is required."
    assert qapi.perform(guid, {"identifications": _ids("99887766")}).status == 200
    assert qapi.status(guid) == "UNVERIFIED"  # EID passed, a document is still needed


def test_a_challenge_answered_right_clears(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    subscribe(qapi, server, QOLO_CDD, events=["person.verification.success"])
    guid = qapi.create(QOLO_CDD, govt_id_number=CHALLENGE_ID)["person_guid"]
    assert qapi.status(guid) == "UNVERIFIED"
    result = qapi.kyc(guid)
    assert entries(result) == [
        ("OFAC", "PASS", None),
        ("EID", "CHALLENGE", "EID_QUESTIONS_REQUIRED"),
        ("OOW", "CHALLENGE", None),
    ]
    assert result["additional_desc"] == "Answer the challenge questions."
    questions = result["verificationResults"][-1]["questions"]
    assert [q["key"] for q in questions] == ["street.lived", "vehicle.owned", "county.lived"]
    for question in questions:
        assert question["prompt"].endswith("?")
        assert len(question["options"]) == 4
    answers = qolo_sandbox.answers(guid)
    assert answers == {
        "street.lived": "Quincy Lane",
        "vehicle.owned": "2015 Ford Focus",
        "county.lived": "King County",
    }
    assert all(answers[q["key"]] in q["options"] for q in questions)
    assert qapi.perform(guid, {"document": document()}).status == 200  # the DOC check first
    body = {
        "perform_kyc": True,
        "answers": [{"key": k, "answer": f" {a.upper()} "} for k, a in answers.items()],
    }
    done = qapi.perform(guid, body)
    assert entries(done.body)[-1] == ("OOW", "PASS", None)
    assert done.body["verificationResults"][-1]["response_code"] == "result.questions.0.incorrect"
    assert (qapi.status(guid), done.body["verification_level"]) == ("CLEARED", "OOW")
    [success] = events(server, 1)
    assert (success["event_type"], success["data"]["person_guid"]) == (
        "person.verification.success",
        guid,
    )
    assert qolo_sandbox.answers(guid) == {}


def test_a_challenge_answered_wrong_fails_once_and_for_all(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    guid = qapi.create(QOLO_CDD, govt_id_number=CHALLENGE_ID)["person_guid"]
    unknown = qapi.perform(guid, {"answers": [{"key": "pet.name", "answer": "Rex"}]})
    assert unknown.errors == {"answers[0].key": ["Unknown question key 'pet.name'."]}
    assert len(qapi.kyc(guid)["verificationResults"]) == 3  # nothing changed
    wrong = qapi.perform(
        guid,
        {
            "perform_kyc": True,
            "answers": _answers(qolo_sandbox, guid, **{"county.lived": "Cook County"}),
        },
    )
    assert entries(wrong.body)[-1] == ("OOW", "FAIL", "OOW_FAILED")
    assert wrong.body["verificationResults"][-1]["response_code"] == "result.questions.1.incorrect"
    assert qapi.status(guid) == "UNVERIFIED"
    assert qolo_sandbox.answers(guid) == {}
    again = qapi.perform(guid, {"answers": [{"key": "street.lived", "answer": "Quincy Lane"}]})
    assert again.errors == {"answers": ["No challenge questions are open for this person."]}


def test_unanswered_questions_count_as_wrong(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    guid = qapi.create(QOLO_CDD, govt_id_number=CHALLENGE_ID)["person_guid"]
    one = _answers(qolo_sandbox, guid)[:1]
    failed = qapi.perform(guid, {"answers": one})
    assert entries(failed.body)[-1] == ("OOW", "FAIL", "OOW_FAILED")
    assert failed.body["verificationResults"][-1]["response_code"] == "result.questions.2.incorrect"


def test_answers_without_a_challenge_are_400(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    guid = qapi.create(QOLO_CDD)["person_guid"]
    reply = qapi.perform(guid, {"answers": [{"key": "street.lived", "answer": "Quincy Lane"}]})
    assert reply.errors == {"answers": ["No challenge questions are open for this person."]}
    challenged = qapi.create(QOLO_CDD, govt_id_number=CHALLENGE_ID)["person_guid"]
    rerun = {"answers": _answers(qolo_sandbox, challenged), "identifications": _ids("123-45-6789")}
    assert qapi.perform(challenged, rerun).errors == {
        "answers": ["Send answers without identifications or program_guid."]
    }
    assert qolo_sandbox.answers(challenged)  # still open


@pytest.mark.parametrize(
    ("last_name", "status", "reason"),
    [
        ("SANCTION", "SANCTIONED", "OFAC_MATCH"),
        ("pep", "PEP", "PEP_MATCH"),
        ("NegList", "NEGLIST", "NEGLIST_MATCH"),
    ],
)
@pytest.mark.parametrize("program", [SDD_PROGRAM, QOLO_CDD], ids=["SDD", "CDD"])
def test_screening_hits_are_terminal(
    qapi: QoloApi, program: str, last_name: str, status: str, reason: str
) -> None:
    created = qapi.create(program, last_name=last_name)
    guid = created["person_guid"]
    assert created["person_status"] == status
    result = qapi.kyc(guid)
    assert entries(result) == [("OFAC", "FAIL", reason)]  # no EID after a hit
    assert result["additional_desc"] == f"Person is {status}."
    for body in (
        {"perform_kyc": True},
        {"document": document()},
        {"client_verification": client_verification()},
    ):
        refused = qapi.perform(guid, body)
        assert refused.status == 400
        assert refused.problem["detail"].startswith(f"Person is {status}")
    override = client_verification(override_sanction_check=True)
    cleared = qapi.perform(guid, {"client_verification": override})
    assert entries(cleared.body)[-1] == ("CLIENT", "PASS", None)
    assert qapi.status(guid) == "CLEARED"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"front": "not base64!"}, "front: not base64"),
        ({"front": b64(images.png()), "file_type": "JPEG"}, "front: not a JPEG file"),
        ({"front": b64(images.EXECUTABLE)}, "front: not a PNG file"),
        ({"front": b64(b"")}, "front is missing"),
        ({"front": None}, "front is missing"),
        ({"file_type": "DOCX", "front": b64(b"PK\x03\x04rest")}, "front: not a DOCX file"),
        (
            {"back": b64(images.EXECUTABLE)},
            "back: not a JPEG or PNG or GIF or BMP or TIFF or PDF file",
        ),
        (
            {"face_image": b64(images.PDF)},
            "face_image: not a JPEG or PNG or GIF or BMP or TIFF file",
        ),
    ],
)
def test_unreadable_documents(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, change: dict[str, Any], why: str
) -> None:
    guid = qapi.create(QOLO_CDD)["person_guid"]
    reply = qapi.perform(guid, {"document": {**document(), **change}})
    assert reply.status == 200
    assert entries(reply.body)[-1] == ("DOC", "FAIL", "DOC_UNREADABLE")
    assert reply.body["verificationResults"][-1]["response_code"] == "document.unreadable"
    assert qapi.status(guid) == "UNVERIFIED"
    assert (
        qolo_sandbox.person(guid)["kyc"]["verificationResults"][-1]
        == reply.body["verificationResults"][-1]
    )
    assert [e.get("_note") for e in _history(qolo_sandbox, guid)][-1] == why


def _history(qolo_sandbox: QoloEmulatorProcess, guid: str) -> list[dict[str, Any]]:
    return list(qolo_sandbox.person(guid)["history"])


def test_document_size_and_data_uri_options(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    guid = qapi.create(QOLO_CDD)["person_guid"]
    png = images.png()
    qolo_sandbox.config(max_document_bytes=len(png) - 1)
    assert entries(qapi.perform(guid, {"document": document()}).body)[-1][2] == "DOC_UNREADABLE"
    qolo_sandbox.config(max_document_bytes=len(png), accept_data_uri=False)
    data_uri = {"document": document(front="data:image/png;base64," + b64(png))}
    assert entries(qapi.perform(guid, data_uri).body)[-1][2] == "DOC_UNREADABLE"
    qolo_sandbox.config(accept_data_uri=True)
    # Tolerated by default, and so is base64 wrapped over several lines.
    wrapped = "\n".join(b64(png)[i : i + 76] for i in range(0, len(b64(png)), 76))
    assert entries(qapi.perform(guid, data_uri).body)[-1] == ("DOC", "PASS", None)
    assert qapi.status(guid) == "CLEARED"
    other = qapi.create(QOLO_CDD)["person_guid"]
    assert entries(qapi.perform(other, {"document": document(front=wrapped)}).body)[-1][1] == "PASS"


def test_document_outcome_fail(qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess) -> None:
    qolo_sandbox.config(document_outcome="fail")
    guid = qapi.create(QOLO_CDD)["person_guid"]
    failed = qapi.perform(guid, {"document": document("PDF", images.PDF)})
    assert entries(failed.body)[-1] == ("DOC", "FAIL", "DOC_NOT_VERIFIED")
    assert qapi.status(guid) == "UNVERIFIED"
    qolo_sandbox.config(document_outcome="pass")
    assert entries(qapi.perform(guid, {"document": document()}).body)[-1][1] == "PASS"
    assert qapi.status(guid) == "CLEARED"


def test_client_verification(qapi: QoloApi) -> None:
    guid = qapi.create(QOLO_CDD, govt_id_number=FAILING_ID)["person_guid"]
    missing = qapi.perform(guid, {"client_verification": {"document_approved": True}}, valid=False)
    assert missing.errors == {
        f"client_verification.{name}": [f"The {name} field is required."]
        for name in (
            "verification_datetime",
            "verification_level",
            "verification_provider",
            "verification_provider_refnumber",
        )
    }
    quiet = client_verification(person_status_update=False, verification_level="CIP")
    noted = qapi.perform(guid, {"client_verification": quiet, "notes": "checked in branch"})
    assert (qapi.status(guid), noted.body["verification_level"]) == ("UNVERIFIED", "CIP")
    attached = client_verification(document=document(), document_approved=True)
    done = qapi.perform(guid, {"client_verification": attached})
    entry = done.body["verificationResults"][-1]
    assert (entry["verification_method"], entry["verification_results"]) == ("CLIENT", "PASS")
    assert (entry["provider_name"], entry["provider_reference"]) == ("Acme KYC", "ACME-42")
    assert entry["verification_date"] == "2025-01-15T10:30:00Z"
    assert entry["documents"]["front_docpath"].endswith("/front")
    assert (qapi.status(guid), done.body["verification_level"]) == ("CLEARED", "CDD")


def test_person_already_verified(qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess) -> None:
    guid = qapi.create(SDD_PROGRAM)["person_guid"]
    for body in (
        {"perform_kyc": True},
        {"document": document()},
        {"client_verification": client_verification()},
    ):
        refused = qapi.perform(guid, body)
        assert (refused.status, refused.problem["detail"]) == (400, "Person Already Verified")
    qolo_sandbox.config(already_verified_status=409)
    conflict = qapi.perform(guid, {"perform_kyc": True}, undocumented=True)
    assert (conflict.status, conflict.body["detail"]) == (409, "Person Already Verified")


def test_a_program_flip_verifies_under_the_destination(qapi: QoloApi) -> None:
    guid = qapi.create(SDD_PROGRAM)["person_guid"]
    unknown = qapi.perform(
        guid, {"perform_kyc": True, "program_guid": "00000000-0000-4000-8000-000000000000"}
    )
    assert (unknown.status, unknown.problem["detail"]) == (404, "Program not found")
    flipped = qapi.perform(guid, {"perform_kyc": True, "program_guid": QOLO_CDD})
    assert flipped.body["verification_mode"] == "CDD"
    assert entries(flipped.body) == [
        ("OFAC", "PASS", None),
        ("OFAC", "PASS", None),
        ("EID", "PASS", None),
    ]
    person = qapi.ok("GET", f"/persons/{guid}")
    assert (person["person_status"], person["verfication_mode"]) == ("UNVERIFIED", "CDD")


def test_a_request_must_ask_for_something(qapi: QoloApi) -> None:
    guid = qapi.create(QOLO_CDD)["person_guid"]
    wanted = "Send perform_kyc, identifications, document, answers or client_verification."
    for body in ({}, {"perform_kyc": False}, {"notes": "hello"}):
        assert qapi.perform(guid, body).errors == {"": [wanted]}
    bad = qapi.perform(guid, {"document": {"file_type": "HEIC", "scan": "x"}}, valid=False)
    assert bad.errors == {
        "document.file_type": ["The JSON value could not be converted to FileType."],
        "document.scan": [
            "The JSON property 'scan' could not be mapped to any .NET member contained in type"
            " 'Document'."
        ],
    }


def test_a_decision_delay_answers_pending_first(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, server: TestServer
) -> None:
    subscribe(qapi, server, QOLO_CDD)
    qolo_sandbox.config(decision_delay=0.3, require_document=False)
    created = qapi.create(QOLO_CDD, govt_id_number=CHALLENGE_ID)
    guid = created["person_guid"]
    assert created["person_status"] == "UNVERIFIED"
    pending = qapi.kyc(guid)
    assert entries(pending) == [
        ("OFAC", "PENDING", None),
        ("EID", "PENDING", None),
        ("OOW", "PENDING", None),
    ]
    assert {e["questions"] is None for e in pending["verificationResults"]} == {True}
    assert pending["additional_desc"] == "Verification in progress."
    assert qolo_sandbox.answers(guid) == {}
    decided = wait_for(lambda: (r := qapi.kyc(guid))["verificationResults"][-1]["questions"] and r)
    assert entries(decided)[-1] == ("OOW", "CHALLENGE", None)
    answered = qapi.perform(guid, {"answers": _answers(qolo_sandbox, guid)})
    assert entries(answered.body)[-1] == ("OOW", "PENDING", None)
    assert qapi.status(guid) == "UNVERIFIED"
    wait_for(lambda: qapi.status(guid) == "CLEARED")
    types = [b["event_type"] for b in events(server, 3)]
    assert types == ["person.created", "person.updated", "person.verification.success"]


def test_a_forced_decision(qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess) -> None:
    qolo_sandbox.config(decision_delay=30)
    guid = qapi.create(QOLO_CDD)["person_guid"]
    forced = qolo_sandbox.decide(guid, "CLEARED")
    assert forced["status"] == "CLEARED"
    assert entries(forced["kyc"]) == [
        ("OFAC", "PASS", None),
        ("EID", "PASS", None),
        ("SANDBOX", "PASS", None),
    ]
    assert qapi.status(guid) == "CLEARED"
    other = qapi.create(QOLO_CDD)["person_guid"]
    assert entries(qolo_sandbox.decide(other, "PEP")["kyc"])[-1] == (
        "SANDBOX",
        "FAIL",
        "SANDBOX_DECISION",
    )
    assert qapi.status(other) == "PEP"
    response = requests.post(
        f"{qolo_sandbox.base_url}/_sandbox/persons/{guid}/decide", json={"status": "OK"}, timeout=5
    )
    assert response.status_code == 400
    assert [p["status"] for p in qolo_sandbox.persons()] == ["CLEARED", "PEP"]
