"""Qolo's answer bodies: PersonDTO, CreatePersonResponse and PersonVerificationResultDTO.

Two spellings on purpose (fact sheet §1): a person has `verfication_mode`/`verfication_level`
(Qolo's misspelling), the KYC result `verification_mode`/`verification_level`, and its
history is the camelCase `verificationResults`. Government id numbers are masked to their
last four characters in answers (the emulator's choice; Qolo's `Person` keeps a
`mask_govt_id_number`). Addresses and coordinates the client never sent are left out (the
spec's AddressDTO and doubles are not nullable); every other field is present, null when unset.
"""

from __future__ import annotations

from typing import Any

from sandbox.qolo.state import Person
from sandbox.qolo.vocabulary import CDD, CLEARED, INCOMPLETE, RESTRICTED

_ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code", "country")
_ADDRESSES = ("base_address", "mailing_address", "billing_address")
_CONTACT = (
    "birth_date",
    "email",
    "first_name",
    "middle_name",
    "last_name",
    "additional_data",
    "mobile_number",
    "home_number",
    "office_number",
)
_OTHER = (
    "person_forget_mode",
    "person_forget_mode_date",
    "market_notification_optin",
    "market_notification_optin_date",
)
_TAIL = ("request_code", "wallet_id", "title", "person_relations")


def masked(number: str) -> str:
    return "*" * max(0, len(number) - 4) + number[-4:]


def person_dto(person: Person) -> dict[str, Any]:
    details = person.details
    identifications = details.get("identifications")
    body: dict[str, Any] = {
        "identifications": None
        if identifications is None
        else [
            {"govt_id_type": item["govt_id_type"], "govt_id_number": masked(item["govt_id_number"])}
            for item in identifications
        ],
        "person_guid": person.guid,
    }
    body.update({name: details.get(name) for name in _CONTACT})
    for name in _ADDRESSES:
        if details.get(name) is not None:
            body[name] = {key: details[name].get(key) for key in _ADDRESS_FIELDS}
    body.update(
        {
            "nationality": details.get("nationality"),
            "ip_address": details.get("ip_address"),
            "person_status": person.status,
            "client_reference_id": details.get("client_reference_id"),
            "verfication_mode": person.mode,
            "verfication_level": person.level,
        }
    )
    body.update({name: details.get(name) for name in _OTHER})
    for name in ("address_lat", "address_lon"):
        if details.get(name) is not None:
            body[name] = details[name]
    body["contact_type"] = details.get("contact_type") or "INDIVIDUAL"
    body["profile_dd_mode"] = person.mode
    body.update({name: details.get(name) for name in _TAIL})
    return body


def created_person(person: Person) -> dict[str, Any]:
    """CreatePersonResponse; no wallet or account is created (create_account is refused)."""
    return {"person_details": person_dto(person), "outside_instruments": None, "wallets": None}


def public_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A history entry without the emulator's bookkeeping (keys starting with `_`)."""
    return {key: value for key, value in entry.items() if not key.startswith("_")}


def describe(person: Person) -> str:
    """`additional_desc`: what the person's verification waits for, in words."""
    if person.pending:
        return "Verification in progress."
    if person.challenge:
        return "Answer the challenge questions."
    if person.status == CLEARED:
        return "Person verified."
    if person.status in RESTRICTED:
        return f"Person is {person.status}."
    if person.status == INCOMPLETE:
        return "An identification is required."
    checks = person.checks
    if person.mode == CDD and checks.get("identity") == "passed" and not checks.get("document"):
        return "A document is required."
    return "Person not verified."


def kyc_result(person: Person) -> dict[str, Any]:
    """PersonVerificationResultDTO: the whole verification history, oldest first."""
    return {
        "person_guid": person.guid,
        "verification_mode": person.mode,
        "verification_level": person.level,
        "additional_desc": describe(person),
        "verificationResults": [public_entry(entry) for entry in person.history],
    }
