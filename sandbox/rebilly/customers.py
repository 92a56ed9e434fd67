"""Customers (fact sheet §3): `PUT /customers/{id}` upsert, `POST /customers`, GET one and all.

No field is required. The read-only `email`, `firstName` and `lastName` are copied from
`primaryAddress` (the email marked primary, else the first); `hasFulfilledKyc` turns true
once one of the customer's KYC requests is fulfilled. Emulator-only: a primary email listed
in the runtime option `conflict_emails` answers 409, to exercise a client's conflict path.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

from sandbox.rebilly import listing
from sandbox.rebilly.problems import Problem, invalid_field, not_found
from sandbox.rebilly.runtime import Runtime, iso, new_id
from sandbox.rebilly.state import Resource
from sandbox.rebilly.validation import RESOURCE_ID, Fields, too_long

KIND = "customer"
LIST_FIELDS = (
    "id",
    "email",
    "firstName",
    "lastName",
    "websiteId",
    "hasFulfilledKyc",
    "createdTime",
)

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_POSTAL_CODE = re.compile(r"^[\w\s\-]+$")
_CONTACT_TEXT = (
    ("firstName", 45),
    ("lastName", 45),
    ("organization", 255),
    ("address", 60),
    ("address2", 60),
    ("city", 45),
    ("region", 45),
    ("jobTitle", 255),
)
_ZERO_MONEY = {"currency": "USD", "amount": 0.0, "amountUsd": 0.0}


def _contact_list(
    f: Fields, contact: dict[str, Any], key: str, path: str, value_limit: int, email: bool
) -> list[dict[str, Any]]:
    items = f.array(contact, key, f"{path}.{key}", nullable=False) or []
    result = []
    for index, item in enumerate(items):
        where = f"{path}.{key}.{index}"
        if not isinstance(item, dict):
            f.add(where, "This value should be of type object.")
            continue
        label = f.string(item, "label", f"{where}.label", required=True, max_length=45)
        if email:
            value = f.email(item, "value", f"{where}.value", required=True)
        else:
            value = f.string(item, "value", f"{where}.value", required=True, max_length=value_limit)
        primary = f.boolean(item, "primary", f"{where}.primary")
        result.append({"label": label, "value": value, "primary": primary})
    return result


def _contact(f: Fields, data: dict[str, Any], path: str) -> dict[str, Any]:
    contact: dict[str, Any] = {
        key: f.string(data, key, f"{path}.{key}", max_length=limit) for key, limit in _CONTACT_TEXT
    }
    contact["country"] = f.string(data, "country", f"{path}.country", pattern=_COUNTRY)
    contact["postalCode"] = f.string(
        data, "postalCode", f"{path}.postalCode", max_length=10, pattern=_POSTAL_CODE
    )
    contact["dob"] = f.date(data, "dob", f"{path}.dob")
    contact["emails"] = _contact_list(f, data, "emails", path, 255, email=True)
    contact["phoneNumbers"] = _contact_list(f, data, "phoneNumbers", path, 50, email=False)
    # ContactObject.hash: "use this value to compare contacts for identical attribute values".
    canonical = json.dumps(contact, sort_keys=True).encode()
    contact["hash"] = hashlib.sha1(canonical, usedforsecurity=False).hexdigest()
    return contact


def _writable(body: Any) -> dict[str, Any]:
    """The writable fields of a Customer body, validated (read-only ones are ignored)."""
    if not isinstance(body, dict):
        raise invalid_field("body", "This value should be of type object.")
    f = Fields()
    address = f.obj(body, "primaryAddress", "primaryAddress")
    fields: dict[str, Any] = {
        "primaryAddress": _contact(f, address, "primaryAddress") if address is not None else None,
        "websiteId": f.string(body, "websiteId", "websiteId", max_length=50),
        "customFields": f.obj(body, "customFields", "customFields") or {},
        "locale": f.string(body, "locale", "locale", max_length=35),
        "personId": f.string(body, "personId", "personId", max_length=50),
        "preferredPayoutInstrumentId": f.string(
            body, "preferredPayoutInstrumentId", "preferredPayoutInstrumentId", max_length=50
        ),
    }
    taxes = f.array(body, "taxNumbers", "taxNumbers")
    fields["taxNumbers"] = None
    if taxes is not None:
        fields["taxNumbers"] = []
        for index, item in enumerate(taxes):
            where = f"taxNumbers.{index}"
            item = item if isinstance(item, dict) else {}
            kind = f.choice(item, "type", f"{where}.type", ("eu-vat", "other"), required=True)
            value = f.string(item, "value", f"{where}.value", required=True)
            fields["taxNumbers"].append({"type": kind, "value": value})
    emails = f.array(body, "notificationEmails", "notificationEmails", nullable=False) or []
    fields["notificationEmails"] = [
        f.email({"value": value}, "value", f"notificationEmails.{index}", required=True)
        for index, value in enumerate(emails)
    ]
    f.done()
    # paymentToken, defaultPaymentInstrumentId and leadSource are write-only: accepted and
    # dropped (the emulator has no payment instruments).
    if fields["websiteId"] is None:
        del fields["websiteId"]  # WebsiteId is a string, never null, in answers
    return fields


def primary_email(address: dict[str, Any] | None) -> str | None:
    emails = (address or {}).get("emails") or []
    chosen = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
    return chosen["value"] if chosen else None


def _apply(rt: Runtime, body: dict[str, Any], fields: dict[str, Any]) -> None:
    address = fields["primaryAddress"]
    email = primary_email(address)
    if email and email.lower() in {item.lower() for item in rt.config.conflict_emails}:
        raise Problem(409, f"A customer with the email address {email} already exists.")
    body.pop("websiteId", None)
    body.update(fields)
    body["email"] = email
    body["firstName"] = (address or {}).get("firstName")
    body["lastName"] = (address or {}).get("lastName")


def _new_body(customer_id: str, org: str) -> dict[str, Any]:
    stamp = iso(time.time())
    return {
        "id": customer_id,
        "organizationId": org,
        "createdTime": stamp,
        "updatedTime": stamp,
        "revision": 0,
        "hasFulfilledKyc": False,
        "company": None,
        "defaultPaymentInstrument": None,
        "averageValue": dict(_ZERO_MONEY),
        "lifetimeRevenue": dict(_ZERO_MONEY),
        "paymentCount": 0,
        "invoiceCount": 0,
        "lastPaymentTime": None,
        "tags": [],
    }


def render(rt: Runtime, customer: Resource) -> dict[str, Any]:
    href = f"{rt.api_base(customer.org)}/customers/{customer.id}"
    return {**customer.body, "_links": [{"rel": "self", "href": href}]}


def upsert(rt: Runtime, org: str, customer_id: str, body: Any) -> tuple[Resource, bool]:
    """PUT: (customer, created). An update that changes nothing keeps the revision."""
    if len(customer_id) > 50:
        raise invalid_field("id", too_long(50))
    if not RESOURCE_ID.match(customer_id):
        raise invalid_field("id", "This value is not valid.")
    fields = _writable(body)
    with rt.store.transaction():
        existing = rt.store.load(KIND, customer_id)
        if existing is not None and existing.org != org:
            # Ids are unique across organizations in our store; another org's id is taken.
            raise Problem(409, f"The customer id {customer_id!r} is already in use.")
        customer = existing or Resource(KIND, customer_id, org, _new_body(customer_id, org))
        before = dict(customer.body)
        _apply(rt, customer.body, fields)
        if existing is not None and customer.body != before:
            customer.body["revision"] += 1
            customer.body["updatedTime"] = iso(time.time())
        rt.store.save(customer)
    return customer, existing is None


def create(rt: Runtime, org: str, body: Any) -> Resource:
    fields = _writable(body)
    customer_id = new_id("cus_")
    customer = Resource(KIND, customer_id, org, _new_body(customer_id, org))
    _apply(rt, customer.body, fields)
    rt.store.save(customer)
    return customer


def load(rt: Runtime, org: str, customer_id: str) -> Resource:
    customer = rt.store.load(KIND, customer_id)
    if customer is None or customer.org != org:
        raise not_found("Customer", customer_id)
    return customer


def collection(rt: Runtime, org: str, args: dict[str, str]) -> listing.Page:
    items = [render(rt, customer) for customer in rt.store.all(KIND, org)]
    return listing.page(items, args, fields=LIST_FIELDS, default_limit=rt.config.page_limit)


def mark_fulfilled(rt: Runtime, customer_id: str) -> None:
    """A request of this customer was fulfilled: `hasFulfilledKyc` becomes (and stays) true."""
    with rt.store.transaction():
        customer = rt.store.load(KIND, customer_id)
        if customer is None or customer.body["hasFulfilledKyc"]:
            return
        customer.body["hasFulfilledKyc"] = True
        customer.body["revision"] += 1
        customer.body["updatedTime"] = iso(time.time())
        rt.store.save(customer)
