"""Rebilly emulator: customers (upsert, create, read, list), 422 field paths, 409 conflicts,
and files."""

from __future__ import annotations

import pytest

from sandbox.rebilly.process import RebillyEmulatorProcess
from tests.sandbox.rebilly_support import RebillyApi, contact, unique
from tests.support import images


def test_put_creates_once_then_updates(rapi: RebillyApi) -> None:
    body = {"primaryAddress": contact("Ada", 1)}
    created = rapi.call("PUT", "/customers/ref-42", body)
    assert created.status == 201
    assert created.headers["Location"].endswith("/organizations/org-one/customers/ref-42")
    customer = created.body
    assert (customer["id"], customer["revision"], customer["hasFulfilledKyc"]) == (
        "ref-42",
        0,
        False,
    )
    assert (customer["email"], customer["firstName"], customer["lastName"]) == (
        "ada1@example.com",
        "Ada",
        "Lovelace",
    )
    assert customer["organizationId"] == "org-one"
    assert len(customer["primaryAddress"]["hash"]) == 40

    # The same PUT again (a retry after a lost answer) never makes a second customer.
    again = rapi.call("PUT", "/customers/ref-42", body)
    assert again.status == 200
    assert "Location" not in again.headers
    assert again.body["revision"] == 0  # nothing changed
    changed = rapi.ok("PUT", "/customers/ref-42", {"primaryAddress": contact("Augusta", 1)})
    assert (changed["firstName"], changed["revision"]) == ("Augusta", 1)
    assert changed["createdTime"] == customer["createdTime"]
    assert rapi.ok("GET", "/customers/ref-42")["firstName"] == "Augusta"
    assert [c["id"] for c in rapi.ok("GET", "/customers")] == ["ref-42"]


def test_post_assigns_an_id(rapi: RebillyApi) -> None:
    reply = rapi.call("POST", "/customers", {"primaryAddress": contact("Grace", 2)})
    assert reply.status == 201
    customer_id = reply.body["id"]
    assert customer_id.startswith("cus_")
    assert len(customer_id) <= 50
    assert reply.headers["Location"].endswith(f"/customers/{customer_id}")
    # No field is required.
    assert rapi.call("POST", "/customers", {}).status == 201


def test_list_is_a_bare_array_with_pagination_headers(rapi: RebillyApi) -> None:
    for n in range(3):
        rapi.ok("PUT", f"/customers/page-{n}", {"primaryAddress": contact("Ada", n)}, status=201)
    reply = rapi.call("GET", "/customers", params={"limit": "2", "offset": "1"})
    assert [c["id"] for c in reply.body] == ["page-1", "page-2"]
    pagination = {k: reply.headers[f"Pagination-{k}"] for k in ("Total", "Limit", "Offset")}
    assert pagination == {"Total": "3", "Limit": "2", "Offset": "1"}
    found = rapi.ok(
        "GET", "/customers", params={"filter": "email:ada0@example.com,ada2@example.com"}
    )
    assert [c["id"] for c in found] == ["page-0", "page-2"]
    newest = rapi.ok("GET", "/customers", params={"sort": "-id", "limit": "1"})
    assert [c["id"] for c in newest] == ["page-2"]
    # The spec documents no error for a collection; the emulator's 422 is on purpose, so a
    # client's bad query cannot pass unnoticed.
    bad = rapi.call("GET", "/customers", params={"filter": "secret:x"}, undocumented=True)
    assert bad.fields() == {"filter": "Cannot filter on 'secret'."}
    bad = rapi.call("GET", "/customers", params={"limit": "5000"}, undocumented=True)
    assert "limit" in bad.fields()


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        ({"country": "gb"}, "primaryAddress.country", "This value is not valid."),
        ({"country": "GBR"}, "primaryAddress.country", "This value is not valid."),
        ({"postalCode": "SW1Y 4JH 123"}, "primaryAddress.postalCode", "45"),
        ({"postalCode": "SW1Y/4JH"}, "primaryAddress.postalCode", "This value is not valid."),
        ({"firstName": "A" * 46}, "primaryAddress.firstName", "45 characters or less"),
        ({"dob": "10-12-1990"}, "primaryAddress.dob", "This value is not a valid date."),
        ({"dob": "1990-02-30"}, "primaryAddress.dob", "This value is not a valid date."),
        (
            {"emails": [{"label": "main", "value": "not-an-email"}]},
            "primaryAddress.emails.0.value",
            "This value is not a valid email address.",
        ),
        (
            {"emails": [{"value": "a@example.com"}]},
            "primaryAddress.emails.0.label",
            "This value should not be blank.",
        ),
        (
            {"phoneNumbers": [{"label": "m", "value": "1" * 51}]},
            "primaryAddress.phoneNumbers.0.value",
            "50 characters or less",
        ),
        ({"city": 7}, "primaryAddress.city", "This value should be of type string."),
    ],
)
def test_invalid_contacts_name_their_field(
    rapi: RebillyApi, address: dict[str, object], field: str, message: str
) -> None:
    body = {"primaryAddress": contact("Ada", unique(), **address)}
    reply = rapi.call("PUT", "/customers/invalid", body, valid=False)
    problem = reply.problem
    assert (problem["title"], problem["detail"]) == ("Validation error", "Invalid data sent.")
    fields = reply.fields()
    assert list(fields) == [field]
    if message.isdigit():
        message = "10 characters or less"
    assert message in fields[field]
    # Nothing was stored.
    assert rapi.call("GET", "/customers/invalid").status == 404


def test_every_problem_is_reported_at_once(rapi: RebillyApi) -> None:
    body = {"primaryAddress": {"country": "x", "dob": "no"}, "notificationEmails": ["nope"]}
    reply = rapi.call("POST", "/customers", body, valid=False)
    assert set(reply.fields()) == {
        "primaryAddress.country",
        "primaryAddress.dob",
        "notificationEmails.0",
    }


def test_a_bad_customer_id_is_refused(rapi: RebillyApi) -> None:
    assert set(rapi.call("PUT", "/customers/" + "x" * 51, {}).fields()) == {"id"}
    assert rapi.call("PUT", "/customers/has%20space", {}).fields() == {
        "id": "This value is not valid."
    }


def test_conflict_emails_answer_409(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    reb.config(conflict_emails=["Taken@Example.com"])
    body = {
        "primaryAddress": contact(
            "Ada", 5, emails=[{"label": "main", "value": "taken@example.com", "primary": True}]
        )
    }
    for method, path in (("PUT", "/customers/dup-1"), ("POST", "/customers")):
        reply = rapi.call(method, path, body)
        assert reply.status == 409
        assert reply.problem["title"] == "Conflict"
        assert "taken@example.com" in reply.problem["detail"]
    assert rapi.ok("GET", "/customers") == []


def test_organizations_do_not_see_each_other(rapi: RebillyApi, rapi_other: RebillyApi) -> None:
    mine = rapi.customer()
    assert rapi_other.call("GET", f"/customers/{mine['id']}").status == 404
    assert rapi_other.ok("GET", "/customers") == []
    # An id already used by another organization cannot be taken over.
    assert rapi_other.call("PUT", f"/customers/{mine['id']}", {}).status == 409


def test_files_keep_only_permitted_types(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    data = images.png()
    reply = rapi.upload(data, "scan.png")
    assert reply.status == 201
    stored = reply.body
    assert stored["id"].startswith("file_")
    assert (stored["mime"], stored["size"], stored["width"], stored["height"]) == (
        "image/png",
        len(data),
        320,  # tests/support/images.png(): a small picture of a card
        240,
    )
    assert reply.headers["Location"].endswith(f"/files/{stored['id']}")
    assert reb.file_bytes(stored["id"]) == data
    assert rapi.upload(images.PDF, "a.pdf").body["mime"] == "application/pdf"
    # Judged by content, not by name.
    refused = rapi.upload(images.EXECUTABLE, "evil.png")
    assert refused.fields() == {"file": "Permitted file types: .jpg, .png, .gif and .pdf."}
    bad = rapi.call("POST", "/files", {"file": "%%% not base64"})
    assert bad.fields() == {"file": "This value is not valid base64."}
    listed = rapi.ok("GET", "/files")
    assert [f["mime"] for f in listed] == ["image/png", "application/pdf"]
