"""The emulator's deterministic verification outcomes (emulator-only: Qolo publishes no test
data, fact sheet §8) and the person status they add up to.

- OFAC screening (every program) by last name: `SANCTION` → SANCTIONED, `PEP` → PEP,
  `NEGLIST` → NEGLIST (case-insensitive; an OFAC FAIL, terminal); anything else passes.
- EID (CDD programs, after a passed screening) on the identifications' `govt_id_number`s:
  none → FAIL `EID_ID_REQUIRED` (person INCOMPLETE); any ending `0000` → FAIL
  `EID_NOT_VERIFIED`; else any ending `1111` → CHALLENGE, plus an OOW entry carrying the
  three questions of `vocabulary.QUESTIONS`; else PASS.
- OOW answers: every question answered with its correct option's text (trimmed,
  case-insensitive) → PASS; otherwise FAIL `OOW_FAILED` (one round: the questions close).
- DOC: readable content (documents.py) → PASS unless `document_outcome` is "fail"
  (`DOC_NOT_VERIFIED`); unreadable → FAIL `DOC_UNREADABLE`.
- CLIENT: the client's attestation, always PASS; it clears the person unless
  `person_status_update` is false.

Status: a forced (control API) status wins; any pending entry → UNVERIFIED; a client
attestation → CLEARED; a restricted screening → that status; SDD: screening passed →
CLEARED; CDD: no identification → INCOMPLETE, screening and identity (EID or OOW) passed and,
when `require_document`, a document passed → CLEARED; else UNVERIFIED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.qolo import vocabulary as v
from sandbox.qolo.state import Person


@dataclass(frozen=True)
class Outcome:
    """One check's result: the history entry it makes and what it changes on the person."""

    method: str
    result: str
    response_code: str
    reason_code: str | None = None
    # Updates of Person.checks once decided.
    effect: dict[str, Any] = field(default_factory=dict)
    # The OOW challenge entry: carries the questions once decided.
    questions: bool = False
    document_type: str | None = None
    document_path: str | None = None
    documents: dict[str, str] | None = None
    provider_name: str | None = None
    provider_reference: str | None = None
    # The client's own verification time (CLIENT entries); else the decision's.
    verification_date: str | None = None
    # The level a PASS sets (CLIENT: the client's); else the method's name.
    level: str | None = None
    # Why it failed, in words (kept out of the answer; the control API shows it).
    note: str | None = None


def screening(details: dict[str, Any]) -> Outcome:
    last_name = str(details.get("last_name") or "").strip().upper()
    status = v.SCREENING_NAMES.get(last_name)
    if status is None:
        return Outcome(v.OFAC, v.PASS, "ofac.clear", effect={"screening": "clear"})
    reason = v.SCREENING_REASONS[status]
    return Outcome(v.OFAC, v.FAIL, "ofac.match", reason, effect={"screening": status})


def identity(identifications: list[dict[str, Any]] | None) -> list[Outcome]:
    numbers = [str(item.get("govt_id_number") or "").strip() for item in identifications or []]
    numbers = [number for number in numbers if number]
    if not numbers:
        missing = {"identity": "missing"}
        return [Outcome(v.EID, v.FAIL, "result.id.missing", v.EID_ID_REQUIRED, missing)]
    if any(number.endswith("0000") for number in numbers):
        failed = {"identity": "failed"}
        return [Outcome(v.EID, v.FAIL, "result.no.match", v.EID_NOT_VERIFIED, failed)]
    if any(number.endswith("1111") for number in numbers):
        return [
            Outcome(
                v.EID,
                v.CHALLENGE,
                "result.match.questions",
                v.EID_QUESTIONS,
                {"identity": "challenge"},
            ),
            Outcome(v.OOW, v.CHALLENGE, "result.questions", questions=True),
        ]
    return [Outcome(v.EID, v.PASS, "result.match", effect={"identity": "passed"})]


def program_checks(person: Person) -> list[Outcome]:
    """What a (re-)run under the person's program does: screening, then EID for CDD."""
    outcomes = [screening(person.details)]
    if person.mode == v.CDD and outcomes[0].result == v.PASS:
        outcomes += identity(person.details.get("identifications"))
    return outcomes


def answers(given: list[dict[str, Any]], correct: dict[str, str]) -> Outcome:
    chosen = {str(item.get("key")): str(item.get("answer") or "") for item in given}
    wrong = sum(
        1
        for key, answer in correct.items()
        if chosen.get(key, "").strip().casefold() != answer.casefold()
    )
    code = f"result.questions.{wrong}.incorrect"
    if wrong == 0:
        return Outcome(v.OOW, v.PASS, code, effect={"identity": "passed"})
    return Outcome(v.OOW, v.FAIL, code, v.OOW_FAILED, {"identity": "failed"})


def correct_answers() -> dict[str, str]:
    return {question["key"]: question["answer"] for question in v.QUESTIONS}


def questions() -> list[dict[str, Any]]:
    return [
        {"prompt": q["prompt"], "key": q["key"], "options": list(q["options"])} for q in v.QUESTIONS
    ]


def client(verification: dict[str, Any], documents: dict[str, str] | None) -> Outcome:
    attests = verification.get("person_status_update") is not False
    return Outcome(
        v.CLIENT,
        v.PASS,
        "client.verified",
        effect={"client": True} if attests else {},
        documents=documents,
        provider_name=verification["verification_provider"],
        provider_reference=verification["verification_provider_refnumber"],
        verification_date=verification["verification_datetime"],
        level=verification["verification_level"],
    )


def status_of(person: Person, *, require_document: bool) -> str:
    if person.override:
        return person.override
    if person.pending:
        return v.UNVERIFIED
    checks = person.checks
    if checks.get("client"):
        return v.CLEARED
    screened = checks.get("screening")
    if screened in v.RESTRICTED:
        return str(screened)
    if person.mode == v.SDD:
        return v.CLEARED if screened == "clear" else v.UNVERIFIED
    if checks.get("identity") == "missing":
        return v.INCOMPLETE
    document_ok = not require_document or checks.get("document") == "passed"
    if screened == "clear" and checks.get("identity") == "passed" and document_ok:
        return v.CLEARED
    return v.UNVERIFIED
