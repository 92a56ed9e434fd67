"""Persons (fact sheet §3): create (with its KYC run), update, read and search.

CreatePersonRequest needs `person_details` and `program_guid`; an unknown program is a 404
"Program not found". `last_name` is mandatory, `first_name` too unless `contact_type` is
CORPORATE [UP]; `person_guid` must be left out. `create_account: true` is refused (the
emulator keeps no wallets or accounts). The person is created whatever its KYC gives: the
201 carries its status (kyc.py). PUT takes a PersonDTO with `person_guid` (400 "Person not
found" when unknown: the spec documents no 404 for UpdatePerson) and changes the fields it
sends, never the status, mode or level, and sends no event. Search matches every given
PersonSearch field (strings exactly, ignoring case; `birth_date` on its date;
`govt_id_number` against any identification; `customer_search` as a substring of names,
email, mobile and client reference); `start_index` counts from 1, `count` is the number of
persons in `data`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sandbox.qolo import kyc
from sandbox.qolo.dtos import Binder, bind, required_text
from sandbox.qolo.problems import Problem, invalid, invalid_field, program_not_found
from sandbox.qolo.runtime import Runtime
from sandbox.qolo.state import Person

# Fields the emulator owns: accepted in a body (they are PersonDTO's), never stored.
_SERVER_FIELDS = ("person_guid", "person_status", "verfication_mode", "verfication_level")
_EXACT = (
    "first_name",
    "last_name",
    "client_reference_id",
    "mobile_number",
    "home_number",
    "contact_type",
    "title",
    "wallet_id",
)
# PersonSearch fields about things the emulator never has (cards, wallets, companies...).
_NEVER = (
    "company_short_name",
    "card_number",
    "card_proxy",
    "user_guid",
    "account_guid",
    "wallet_guid",
    "company_guid",
)
_SEARCHED = ("first_name", "last_name", "email", "mobile_number", "client_reference_id")
MAX_LIMIT = 100


def parse_guid(text: str, name: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise invalid_field(name, f"The value '{text}' is not valid.") from None


def _names(binder: Binder, details: dict[str, Any], path: str, *, creating: bool) -> None:
    corporate = str(details.get("contact_type") or "").upper() == "CORPORATE"
    for name in ("last_name",) if corporate else ("first_name", "last_name"):
        present = name in details or creating
        where = f"{path}{name}"
        if present and where not in binder.errors and not str(details.get(name) or "").strip():
            binder.add(where, required_text(name))


def _stored(details: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in details.items() if key not in _SERVER_FIELDS}


def create(rt: Runtime, body: Any) -> Person:
    binder = Binder()
    request = binder.dto(body, "CreatePersonRequest")
    details = request.get("person_details")
    if isinstance(details, dict):
        if details.get("person_guid"):
            binder.add("person_details.person_guid", "Leave person_guid out to create a person.")
        _names(binder, details, "person_details.", creating=True)
    if request.get("create_account"):
        binder.add("create_account", "The sandbox creates no accounts: send create_account false.")
    binder.done()
    program = rt.program(request["program_guid"])
    if program is None:
        raise program_not_found()
    return kyc.create_person(rt, program.guid, program.mode, _stored(request["person_details"]))


def update(rt: Runtime, body: Any) -> Person:
    binder = Binder()
    details = binder.dto(body, "PersonDTO")
    if not details.get("person_guid") and "person_guid" not in binder.errors:
        binder.add("person_guid", required_text("person_guid"))
    _names(binder, details, "", creating=False)
    binder.done()
    with rt.store.transaction():
        person = rt.store.person(details["person_guid"])
        if person is None:
            raise Problem(400, "Person not found")
        person.details.update(_stored(details))
        rt.store.save_person(person)
    return person


def _matches(person: Person, search: dict[str, Any]) -> bool:
    details = person.details

    def same(given: Any, value: Any) -> bool:
        return isinstance(value, str) and value.casefold() == str(given).casefold()

    if search.get("person_guid") and search["person_guid"] != person.guid:
        return False
    for name in _EXACT:
        if search.get(name) is not None and not same(search[name], details.get(name)):
            return False
    if search.get("email_address") is not None and not same(
        search["email_address"], details.get("email")
    ):
        return False
    birth = search.get("birth_date")
    if birth is not None and str(details.get("birth_date") or "") != birth[:10]:
        return False
    number = search.get("govt_id_number")
    numbers = [item["govt_id_number"] for item in details.get("identifications") or []]
    if number is not None and number not in numbers:
        return False
    wanted = str(search.get("customer_search") or "").casefold()
    texts = [str(details.get(name) or "").casefold() for name in _SEARCHED]
    if wanted and not any(wanted in text for text in texts):
        return False
    return not any(search.get(name) is not None for name in _NEVER)


def search(rt: Runtime, body: Any) -> tuple[list[Person], int, bool]:
    """(the page, its start_index, whether more follow)."""
    wanted = bind(body, "PersonSearch")
    limit = wanted.get("limit")
    start = wanted.get("start_index")
    limit = rt.config.page_limit if limit is None else limit
    start = 1 if start is None else start
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid({"limit": [f"The field limit must be between 1 and {MAX_LIMIT}."]})
    if start < 1:
        raise invalid({"start_index": ["The field start_index must be 1 or more."]})
    found = [person for person in rt.store.persons() if _matches(person, wanted)]
    page = found[start - 1 : start - 1 + limit]
    return page, start, start - 1 + len(page) < len(found)
