"""Perform KYC (fact sheet §4, §5): the four actions, the history, decisions and their events.

`POST /persons/{guid}/kyc` applies, in this order, whatever the VerificationRequest carries:

1. a re-run of the program's checks (decisions.py) when it sends `identifications` (which
   replace the stored ones), a `program_guid` (a flip: the person moves to that program and
   is checked under its mode, keeping only a passed document), or `perform_kyc: true` with
   no other action;
2. `document`: a DOC check of the inline content;
3. `answers`: the open challenge's OOW check (400 when none is open, a key is unknown, or
   the request also re-runs the checks, which would close the questions);
4. `client_verification`: a CLIENT entry, never delayed.

A request with none of these is a 400. A CLEARED person without `program_guid` answers
"Person Already Verified" (status `already_verified_status`, 400 by default); a restricted
person (SANCTIONED, PEP, NEGLIST) only takes a client verification with
`override_sanction_check: true`. Every check appends one entry to the history. With
`decision_delay` > 0 the entries answer `verification_results: "PENDING"` (person
UNVERIFIED, no questions yet) and a job decides them after the delay. A decision that changes
the status sends `person.updated`, and `person.verification.success` when it becomes CLEARED
(a new person sends `person.created` instead of `person.updated`). Qolo has no failure event.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from typing import Any

from sandbox.qolo import decisions, documents, webhooks
from sandbox.qolo import vocabulary as v
from sandbox.qolo.decisions import Outcome
from sandbox.qolo.dtos import bind
from sandbox.qolo.problems import Problem, invalid, person_not_found, program_not_found
from sandbox.qolo.runtime import Runtime, new_guid, now_iso
from sandbox.qolo.state import Person

DECIDE_JOB = "decide"
_ACTIONS = "perform_kyc, identifications, document, answers or client_verification"
_ANSWERS_ALONE = "Send answers without identifications or program_guid."


def load(rt: Runtime, guid: str) -> Person:
    person = rt.store.person(guid)
    if person is None:
        raise person_not_found()
    return person


# --- documents ------------------------------------------------------------------------------


def _docpath(rt: Runtime, ref: str, side: str) -> str:
    return f"{rt.startup.public_url}/_sandbox/documents/{ref}/{side}"


def read_document(rt: Runtime, document: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """Store a document's readable sides: (the result's `documents` object, why unreadable)."""
    config = rt.config
    ref = "doc_" + secrets.token_hex(8)
    file_type = documents.normalised(document.get("file_type"))
    sides = (
        ("front", document.get("front"), (file_type,) if file_type else ()),
        ("back", document.get("back"), (*documents.IMAGE_TYPES, "PDF")),
        ("face_image", document.get("face_image"), documents.IMAGE_TYPES),
    )
    found: dict[str, str] = {"document_reference": ref}
    if file_type:
        found["file_type"] = str(document.get("file_type"))
    problem = None if document.get("front") else "front is missing"
    for side, content, expected in sides:
        if not content:
            continue
        decoded = documents.decode(
            content,
            expected=expected,
            max_bytes=config.max_document_bytes,
            accept_data_uri=config.accept_data_uri,
        )
        if isinstance(decoded, str):
            problem = problem or f"{side}: {decoded}"
            continue
        rt.store.put_document(ref, side, decoded.mime, decoded.data)
        found[f"{side}_docpath" if side != "face_image" else "face_image_docpath"] = _docpath(
            rt, ref, side
        )
        if side == "back":
            found["back_file_type"] = decoded.file_type
    return found, problem


def document_outcome(rt: Runtime, document: dict[str, Any]) -> Outcome:
    found, problem = read_document(rt, document)
    passed = Outcome(
        v.DOC,
        v.PASS,
        "document.verified",
        effect={"document": "passed"},
        document_type=document.get("document_type"),
        document_path=found.get("front_docpath"),
        documents=found,
    )
    if problem is not None:
        return dataclasses.replace(
            passed,
            result=v.FAIL,
            response_code="document.unreadable",
            reason_code=v.DOC_UNREADABLE,
            effect={"document": "failed"},
            note=problem,
        )
    if rt.config.document_outcome == "fail":
        return dataclasses.replace(
            passed,
            result=v.FAIL,
            response_code="document.not.verified",
            reason_code=v.DOC_NOT_VERIFIED,
            effect={"document": "failed"},
        )
    return passed


# --- the history and decisions --------------------------------------------------------------


def _new_entry(person: Person, outcome: Outcome, pending: bool) -> dict[str, Any]:
    seq = len(person.history) + 1
    entry: dict[str, Any] = {
        "_seq": seq,
        "_pending": pending,
        "person_guid": person.guid,
        "verification_method": outcome.method,
        "verification_date": now_iso(),
        "document_type": outcome.document_type,
        "document_path": outcome.document_path,
        "response_code": "pending",
        "verification_results": v.PENDING,
        "reason_code": None,
        "questions": None,
        "provider_reference": outcome.provider_reference or f"sbx-{secrets.token_hex(6)}",
        "provider_name": outcome.provider_name or v.PROVIDERS.get(outcome.method, "Sandbox"),
    }
    if outcome.documents is not None:
        entry["documents"] = outcome.documents
    if pending:
        entry["_outcome"] = dataclasses.asdict(outcome)
    return entry


def _decide_entry(person: Person, entry: dict[str, Any], outcome: Outcome) -> None:
    entry.update(
        {
            "_pending": False,
            "verification_date": outcome.verification_date or now_iso(),
            "response_code": outcome.response_code,
            "verification_results": outcome.result,
            "reason_code": outcome.reason_code,
        }
    )
    entry.pop("_outcome", None)
    if outcome.note:
        entry["_note"] = outcome.note
    person.checks.update(outcome.effect)
    if outcome.questions:
        entry["questions"] = decisions.questions()
        person.challenge = {"seq": entry["_seq"], "answers": decisions.correct_answers()}
    if outcome.result == v.PASS:
        person.level = outcome.level or outcome.method


def apply(rt: Runtime, person: Person, outcomes: list[Outcome]) -> None:
    """Append an entry per outcome; decide each now, or after `decision_delay` (a job)."""
    delay = rt.config.decision_delay
    waiting: list[int] = []
    for outcome in outcomes:
        delayed = delay > 0 and outcome.method != v.CLIENT
        entry = _new_entry(person, outcome, delayed)
        person.history.append(entry)
        if delayed:
            waiting.append(entry["_seq"])
        else:
            _decide_entry(person, entry, outcome)
    if waiting:
        job = {"person_guid": person.guid, "seqs": waiting}
        rt.queue(DECIDE_JOB, job, at=time.time() + delay, subject=person.guid)


def settle(rt: Runtime, person: Person, *, created: bool = False) -> None:
    """Recompute the status, save, and send the events the change calls for."""
    before = None if created else person.status
    person.status = decisions.status_of(person, require_document=rt.config.require_document)
    rt.store.save_person(person)
    events = [v.PERSON_CREATED] if created else []
    if not created and person.status != before:
        events.append(v.PERSON_UPDATED)
    if person.status == v.CLEARED and before != v.CLEARED:
        events.append(v.VERIFICATION_SUCCESS)
    for event_type in events:
        webhooks.emit(rt, event_type, person)


def run_decision_job(rt: Runtime, job: dict[str, Any]) -> None:
    with rt.store.transaction():
        person = rt.store.person(str(job["person_guid"]))
        if person is None:
            return
        decided = False
        for seq in job["seqs"]:
            entry = person.entry(int(seq))
            # Decided meanwhile by the control API: nothing left to do.
            if entry is not None and entry.get("_pending"):
                _decide_entry(person, entry, Outcome(**entry["_outcome"]))
                decided = True
        if decided:
            settle(rt, person)


def force(rt: Runtime, guid: str, status: str) -> Person:
    """The control API's decision: pending entries end as PASS (CLEARED) or FAIL, a SANDBOX
    entry records it, and `status` holds until the next KYC action."""
    passed = status == v.CLEARED
    with rt.store.transaction():
        person = load(rt, guid)
        rt.store.cancel_jobs(DECIDE_JOB, person.guid)
        verdict = Outcome(
            v.SANDBOX,
            v.PASS if passed else v.FAIL,
            "sandbox.decision",
            None if passed else v.SANDBOX_DECISION,
        )
        for entry in person.history:
            if entry.get("_pending"):
                method = entry["verification_method"]
                _decide_entry(person, entry, dataclasses.replace(verdict, method=method))
        person.challenge = None
        entry = _new_entry(person, verdict, pending=False)
        person.history.append(entry)
        _decide_entry(person, entry, verdict)
        person.override = status
        settle(rt, person)
    return person


# --- PerformKYC -----------------------------------------------------------------------------


def _check_answers(person: Person, answers: list[dict[str, Any]]) -> None:
    if person.challenge is None:
        raise invalid({"answers": ["No challenge questions are open for this person."]})
    known = person.challenge["answers"]
    errors = {
        f"answers[{index}].key": [f"Unknown question key '{item.get('key')}'."]
        for index, item in enumerate(answers)
        if item is None or item.get("key") not in known
    }
    if errors:
        raise invalid(errors)


def _guard(rt: Runtime, person: Person, request: dict[str, Any]) -> None:
    if person.status == v.CLEARED and not request.get("program_guid"):
        raise Problem(rt.config.already_verified_status, "Person Already Verified")
    verification = request.get("client_verification") or {}
    if person.status in v.RESTRICTED and not verification.get("override_sanction_check"):
        raise Problem(
            400,
            f"Person is {person.status}: only a client verification with "
            "override_sanction_check can verify it",
        )


def perform(rt: Runtime, guid: str, body: Any) -> Person:
    request = bind(body, "VerificationRequest")
    identifications = request.get("identifications")
    document = request.get("document")
    answers = request.get("answers")
    verification = request.get("client_verification")
    destination = request.get("program_guid")
    with rt.store.transaction():
        person = load(rt, guid)
        program = rt.program(destination) if destination else None
        if destination and program is None:
            raise program_not_found()
        _guard(rt, person, request)
        acts = any(x is not None for x in (identifications, document, answers, verification))
        if not (acts or destination or request.get("perform_kyc")):
            raise invalid({"": [f"Send {_ACTIONS}."]})
        rerun = program is not None or identifications is not None or not acts
        if answers is not None:
            if rerun:
                # A re-run would close the very questions being answered.
                raise invalid({"answers": [_ANSWERS_ALONE]})
            _check_answers(person, answers)
        person.override = None
        if request.get("notes"):
            person.notes.append(str(request["notes"]))
        outcomes: list[Outcome] = []
        if program is not None:
            person.program_guid, person.mode = program.guid, program.mode
            person.checks = {k: c for k, c in person.checks.items() if k == "document"}
        if identifications is not None:
            person.details["identifications"] = identifications
        if rerun:
            person.challenge = None
            outcomes += decisions.program_checks(person)
        if document is not None:
            outcomes.append(document_outcome(rt, document))
        if answers is not None and person.challenge is not None:  # checked above
            outcomes.append(decisions.answers(answers, person.challenge["answers"]))
            person.challenge = None
        if verification is not None:
            attached = verification.get("document")
            found = read_document(rt, attached)[0] if attached else None
            outcomes.append(decisions.client(verification, found))
        apply(rt, person, outcomes)
        settle(rt, person)
    return person


def create_person(rt: Runtime, program_guid: str, mode: str, details: dict[str, Any]) -> Person:
    """A new person, checked at once under its program's mode (fact sheet §3.2)."""
    person = Person(new_guid(), program_guid, mode, details, status=v.UNVERIFIED)
    with rt.store.transaction():
        apply(rt, person, decisions.program_checks(person))
        settle(rt, person, created=True)
    return person
