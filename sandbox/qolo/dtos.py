"""Qolo's request DTOs (the 2022 staging spec plus the live PerformKYC page's fields) and a
binder that refuses what ASP.NET Core would refuse, with its messages.

Every DTO is `additionalProperties: false` in the spec: an unknown key is a 400 naming it.
Lengths, enumerations, GUIDs and date-times are checked as the spec declares them (plus
`client_reference_id` ≤ 64, the database model's limit, and `birth_date` as yyyy-MM-dd, the
field's documented format). Strings, objects and arrays are .NET reference types and may be
null unless required; booleans, numbers, GUIDs and enumerations may be null only where the
spec says `nullable`. Every problem of a body is reported at once, keyed by its path
(`person_details.identifications[0].govt_id_type`).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sandbox.qolo import vocabulary as v
from sandbox.qolo.problems import Errors, invalid

ENUMS: dict[str, tuple[str, ...]] = {
    "GovtIDType": v.GOVT_ID_TYPES,
    "DocumentType": v.DOCUMENT_TYPES,
    "FileType": v.FILE_TYPES,
    "PersonStatus": v.PERSON_STATUSES,
    "AccountType": v.ACCOUNT_TYPES,
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT32 = (-(2**31), 2**31 - 1)
_CLR = {
    "string": "System.String",
    "date": "System.String",
    "boolean": "System.Boolean",
    "integer": "System.Int32",
    "number": "System.Double",
    "uuid": "System.Guid",
    "datetime": "System.DateTime",
    "map": "System.Collections.Generic.Dictionary`2[System.String,System.String]",
}
_VALUE_TYPES = ("boolean", "integer", "number", "uuid", "datetime", "enum")


@dataclass(frozen=True)
class Kind:
    name: str
    max_length: int | None = None
    nullable: bool | None = None  # None: the .NET default (reference types may be null)
    ref: str | None = None  # the DTO, enumeration or item kind's name
    items: Kind | None = None

    @property
    def may_be_null(self) -> bool:
        if self.nullable is not None:
            return self.nullable
        return self.name not in _VALUE_TYPES

    @property
    def clr(self) -> str:
        if self.name in ("object", "enum"):
            return str(self.ref)
        if self.name == "array" and self.items is not None:
            return f"System.Collections.Generic.List`1[{self.items.clr}]"
        return _CLR[self.name]


def text(max_length: int | None = None) -> Kind:
    return Kind("string", max_length)


def of(dto: str) -> Kind:
    return Kind("object", ref=dto)


def listed(item: Kind) -> Kind:
    return Kind("array", items=item)


def enum(name: str, *, nullable: bool = False) -> Kind:
    return Kind("enum", ref=name, nullable=nullable)


BOOLEAN, NUMBER, INTEGER = Kind("boolean"), Kind("number"), Kind("integer")
GUID, DATETIME, DATE, MAP = Kind("uuid"), Kind("datetime"), Kind("date"), Kind("map")
NULLABLE_BOOLEAN = Kind("boolean", nullable=True)


@dataclass(frozen=True)
class Dto:
    fields: dict[str, Kind]
    required: tuple[str, ...] = ()


_ADDRESS = Dto(
    {
        "city": text(30),
        "country": text(3),
        "address_line1": text(60),
        "address_line2": text(60),
        "postal_code": text(10),
        "state": text(30),
    }
)
_PERSON = Dto(
    {
        "identifications": listed(of("PersonIdentificationDTO")),
        "person_guid": GUID,
        "birth_date": DATE,
        "email": text(),
        "first_name": text(32),
        "middle_name": text(32),
        "last_name": text(32),
        "additional_data": MAP,
        "mobile_number": text(),
        "home_number": text(),
        "office_number": text(),
        "base_address": of("AddressDTO"),
        "mailing_address": of("AddressDTO"),
        "billing_address": of("AddressDTO"),
        "nationality": text(3),
        "ip_address": text(),
        "person_status": enum("PersonStatus"),
        "client_reference_id": text(64),
        "verfication_mode": text(),
        "verfication_level": text(),
        "person_forget_mode": text(),
        "person_forget_mode_date": text(),
        "market_notification_optin": text(),
        "market_notification_optin_date": text(),
        "address_lat": NUMBER,
        "address_lon": NUMBER,
        "contact_type": text(),
        "profile_dd_mode": text(),
        "request_code": text(),
        "wallet_id": text(),
        "title": text(),
        "person_relations": listed(of("PersonRelation")),
    }
)
_DOCUMENT = Dto(
    {
        "document_type": enum("DocumentType"),
        "file_type": enum("FileType"),
        "issuing_country": text(),
        "front": text(),
        "back": text(),
        "face_image": text(),  # live page only
        "liveness_detected": BOOLEAN,  # live page only
    }
)

DTOS: dict[str, Dto] = {
    "AddressDTO": _ADDRESS,
    "PersonIdentificationDTO": Dto(
        {"govt_id_type": enum("GovtIDType"), "govt_id_number": text(800)},
        ("govt_id_type", "govt_id_number"),
    ),
    "PersonRelation": Dto(
        {
            "holder_person_guid": GUID,
            "related_person_guid": GUID,
            "person_relationship": text(32),
            "sys_utcinserted": DATETIME,
            "sys_utcupdated": DATETIME,
        },
        (
            "holder_person_guid",
            "person_relationship",
            "related_person_guid",
            "sys_utcinserted",
            "sys_utcupdated",
        ),
    ),
    "PersonDTO": _PERSON,
    "CreatePersonRequest": Dto(
        {
            "create_account": BOOLEAN,
            "person_details": of("PersonDTO"),
            "account_currencies": listed(text()),
            "program_guid": GUID,
            "account_type": enum("AccountType"),
            "account_name": text(),
        },
        ("person_details", "program_guid"),
    ),
    "PersonSearch": Dto(
        {
            "person_guid": GUID,
            "first_name": text(),
            "last_name": text(),
            "client_reference_id": text(),
            "email_address": text(),
            "mobile_number": text(),
            "company_short_name": text(),
            "birth_date": DATETIME,
            "home_number": text(),
            "wallet_id": text(),
            "card_number": text(),
            "card_proxy": text(),
            "govt_id_number": text(),
            "customer_search": text(),
            "user_guid": GUID,
            "account_guid": GUID,
            "contact_type": text(),
            "title": text(),
            "limit": INTEGER,
            "start_index": INTEGER,
            "wallet_guid": GUID,
            "company_guid": GUID,
        }
    ),
    "VerificationRequest": Dto(
        {
            "perform_kyc": BOOLEAN,
            "notes": text(),  # live page only
            "identifications": listed(of("PersonIdentificationDTO")),
            "answers": listed(of("Answer")),
            "document": of("Document"),
            "client_verification": of("ClientVerification"),
            "program_guid": GUID,
        }
    ),
    "Answer": Dto({"key": text(), "answer": text()}),
    "Document": _DOCUMENT,
    "ClientVerification": Dto(
        {
            "verification_datetime": DATETIME,
            "verification_provider": text(),
            "verification_provider_refnumber": text(),
            "verification_level": text(),
            "document": of("Document"),
            "document_approved": BOOLEAN,  # live page only
            "person_status_update": BOOLEAN,  # live page only
            "override_sanction_check": BOOLEAN,  # live page only
        },
        (
            "verification_datetime",
            "verification_level",
            "verification_provider",
            "verification_provider_refnumber",
        ),
    ),
    "NotificationConfigurationDTO": Dto(
        {
            "notification_guid": GUID,
            "program_guid": GUID,
            "url": text(),
            "headers": text(),
            "secret": text(),
            "active": NULLABLE_BOOLEAN,
            "event_type": listed(text()),
        },
        ("event_type", "program_guid", "url"),
    ),
}


def required_text(name: str) -> str:
    return f"The {name} field is required."


def too_long(name: str, limit: int) -> str:
    return f"The field {name} must be a string with a maximum length of {limit}."


def not_converted(clr: str) -> str:
    return f"The JSON value could not be converted to {clr}."


def unmapped(key: str, dto: str) -> str:
    return (
        f"The JSON property '{key}' could not be mapped to any .NET member contained in type"
        f" '{dto}'."
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Binder:
    """Binds one body: `dto()` returns the given keys, cleaned, having recorded problems."""

    def __init__(self) -> None:
        self.errors: Errors = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def done(self) -> None:
        if self.errors:
            raise invalid(self.errors)

    def dto(self, value: Any, name: str, path: str = "") -> dict[str, Any]:
        spec = DTOS[name]
        if not isinstance(value, dict):
            self.add(path or "$", not_converted(name))
            return {}
        bound: dict[str, Any] = {}
        for key, item in value.items():
            kind = spec.fields.get(key)
            if kind is None:
                self.add(_join(path, key), unmapped(key, name))
                continue
            bound[key] = self.value(item, kind, _join(path, key), key)
        for key in spec.required:
            if bound.get(key) is None and _join(path, key) not in self.errors:
                self.add(_join(path, key), required_text(key))
        return bound

    def value(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if value is None:
            if not kind.may_be_null:
                self.add(path, not_converted(kind.clr))
            return None
        check = getattr(self, f"_{kind.name}")
        return check(value, kind, path, name)

    def _string(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if not isinstance(value, str):
            self.add(path, not_converted(kind.clr))
            return None
        if kind.max_length is not None and len(value) > kind.max_length:
            self.add(path, too_long(name, kind.max_length))
        return value

    def _date(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        text_value = self._string(value, kind, path, name)
        if isinstance(text_value, str) and text_value:
            try:
                valid = bool(_DATE.match(text_value)) and bool(dt.date.fromisoformat(text_value))
            except ValueError:
                valid = False
            if not valid:
                self.add(path, f"The field {name} must be a date in the format yyyy-MM-dd.")
        return text_value

    def _boolean(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if not isinstance(value, bool):
            self.add(path, not_converted(kind.clr))
            return None
        return value

    def _integer(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, not_converted(kind.clr))
            return None
        if not _INT32[0] <= value <= _INT32[1]:
            self.add(path, not_converted(kind.clr))
            return None
        return value

    def _number(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(path, not_converted(kind.clr))
            return None
        return float(value)

    def _uuid(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        try:
            return str(uuid.UUID(value)) if isinstance(value, str) else self._bad(path, kind)
        except ValueError:
            return self._bad(path, kind)

    def _datetime(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if not isinstance(value, str):
            return self._bad(path, kind)
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            return self._bad(path, kind)
        return value

    def _enum(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if not isinstance(value, str) or value not in ENUMS[str(kind.ref)]:
            return self._bad(path, kind)
        return value

    def _map(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if not isinstance(value, dict):
            return self._bad(path, kind)
        for key, item in value.items():
            if item is not None and not isinstance(item, str):
                self.add(_join(path, key), not_converted("System.String"))
        return value

    def _object(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        return self.dto(value, str(kind.ref), path)

    def _array(self, value: Any, kind: Kind, path: str, name: str) -> Any:
        if not isinstance(value, list) or kind.items is None:
            return self._bad(path, kind)
        return [self.value(item, kind.items, f"{path}[{i}]", name) for i, item in enumerate(value)]

    def _bad(self, path: str, kind: Kind) -> None:
        self.add(path, not_converted(kind.clr))
        return None


def bind(body: Any, name: str) -> dict[str, Any]:
    """A request body as the DTO `name`; raises the 400 listing every problem."""
    binder = Binder()
    bound = binder.dto(body, name)
    binder.done()
    return bound
