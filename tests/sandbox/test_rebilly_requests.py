"""Rebilly emulator: KYC requests (create, read, expand, list, patch, delete, validation) and
the credit-file sandbox rule."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from jsonschema import ValidationError

from sandbox.rebilly.process import RebillyEmulatorProcess
from sandbox.rebilly.runtime import parse_time
from tests.sandbox.rebilly_support import RebillyApi, link, token_of
from tests.support import rebilly_spec


def test_create_answers_a_gathering_request(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    customer = rapi.customer()
    body = {
        "customerId": customer["id"],
        "documents": [
            {"type": "identity-proof", "subtypes": ["passport"], "faceProofRequired": True},
            {"type": "address-proof", "maxAttempts": 0},
        ],
        "redirectUrl": "https://shop.example/kyc/return?step=3",
        "reason": "registration",
    }
    reply = rapi.call("POST", "/kyc-requests", body)
    assert reply.status == 201
    created = reply.body
    assert created["id"].startswith("kyc_req_")
    assert reply.headers["Location"].endswith(f"/kyc-requests/{created['id']}")
    assert (created["status"], created["revision"], created["matchLevel"]) == ("gathering", 0, 2)
    assert created["documents"] == [
        {
            "type": "identity-proof",
            "subtypes": ["passport"],
            "maxAttempts": 3,
            "faceProofRequired": True,
            "faceLivenessRequired": False,
        },
        {
            "type": "address-proof",
            "subtypes": None,
            "maxAttempts": 0,
            "faceProofRequired": False,
            "faceLivenessRequired": False,
        },
    ]
    expires = parse_time(created["expirationTime"])
    assert expires is not None
    assert abs(expires - (time.time() + 3600)) < 5
    rels = [item["rel"] for item in created["_links"]]
    assert rels == ["self", "documents", "gatherer"]
    gatherer = link(created)
    assert gatherer.startswith(reb.base_url + "/gatherer?token=")
    assert reb.gatherer(created["id"])["token"] == token_of(gatherer)
    assert "_embedded" not in created

    fetched = rapi.ok("GET", f"/kyc-requests/{created['id']}")
    assert fetched == created
    expanded = rapi.get_request(created["id"])
    assert expanded["_embedded"] == {"documents": []}


def test_list_filters_on_the_customer(rapi: RebillyApi) -> None:
    first, second = rapi.customer(), rapi.customer()
    mine = rapi.kyc_request(first["id"])
    rapi.kyc_request(second["id"])
    found = rapi.call("GET", "/kyc-requests", params={"filter": f"customerId:{first['id']}"})
    assert [r["id"] for r in found.body] == [mine["id"]]
    assert found.headers["Pagination-Total"] == "1"
    assert len(rapi.ok("GET", "/kyc-requests")) == 2


def test_patch_changes_fields_but_not_the_customer(rapi: RebillyApi) -> None:
    customer = rapi.customer()
    created = rapi.kyc_request(customer["id"])
    changed = rapi.ok(
        "PATCH",
        f"/kyc-requests/{created['id']}",
        {"reason": "spend limit", "matchLevel": 3, "expirationTime": "2099-01-01T00:00:00+02:00"},
    )
    assert (changed["reason"], changed["matchLevel"], changed["revision"]) == ("spend limit", 3, 1)
    assert changed["expirationTime"] == "2098-12-31T22:00:00Z"
    other = rapi.customer()
    refused = rapi.call(
        "PATCH", f"/kyc-requests/{created['id']}", {"customerId": other["id"]}, valid=False
    )
    assert refused.fields() == {"customerId": "This value is read-only."}
    refused = rapi.call("PATCH", f"/kyc-requests/{created['id']}", {"documents": []}, valid=False)
    assert refused.fields() == {"documents": "This collection should contain 1 element or more."}
    assert rapi.ok("GET", f"/kyc-requests/{created['id']}")["revision"] == 1


def test_delete_answers_204_and_the_link_dies(
    rapi: RebillyApi, reb: RebillyEmulatorProcess
) -> None:
    created = rapi.kyc_request(rapi.customer()["id"])
    reply = rapi.call("DELETE", f"/kyc-requests/{created['id']}")
    assert (reply.status, reply.body) == (204, None)
    assert rapi.call("GET", f"/kyc-requests/{created['id']}").status == 404
    assert rapi.call("DELETE", f"/kyc-requests/{created['id']}").status == 404
    assert requests.get(link(created), timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"customerId": None}, {"customerId": "This value should not be blank."}),
        ({"customerId": "cus_nobody"}, {"customerId": "The customer does not exist."}),
        ({"documents": []}, {"documents": "This collection should contain 1 element or more."}),
        ({"documents": None}, {"documents": "This value should be of type array."}),
        (
            {"documents": [{"type": "selfie-proof"}]},
            {"documents.0.type": "The value you selected is not a valid choice."},
        ),
        (
            {"documents": [{"type": "identity-proof", "maxAttempts": 101}]},
            {"documents.0.maxAttempts": "This value should be between 0 and 100."},
        ),
        (
            {"documents": [{"type": "identity-proof", "subtypes": ["selfie"]}]},
            {"documents.0.subtypes.0": "The value you selected is not a valid choice."},
        ),
        (
            {"documents": [{"type": "identity-proof"}, {"type": "identity-proof"}]},
            {"documents.1.type": "This document type is already requested."},
        ),
        ({"matchLevel": 4}, {"matchLevel": "The value you selected is not a valid choice."}),
        ({"redirectUrl": "not a url"}, {"redirectUrl": "This value is not a valid URL."}),
        ({"expirationTime": "tomorrow"}, {"expirationTime": "This value is not a valid datetime."}),
    ],
)
def test_invalid_requests_name_their_field(
    rapi: RebillyApi, change: dict[str, object], fields: dict[str, str]
) -> None:
    body: dict[str, object] = {
        "customerId": rapi.customer()["id"],
        "documents": [{"type": "identity-proof"}],
    }
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None or k != "customerId"}
    reply = rapi.call("POST", "/kyc-requests", body, valid=False)
    assert reply.fields() == fields
    assert rapi.ok("GET", "/kyc-requests") == []


def test_other_organizations_cannot_use_a_customer(
    rapi: RebillyApi, rapi_other: RebillyApi
) -> None:
    customer = rapi.customer()
    created = rapi.kyc_request(customer["id"])
    refused = rapi_other.call(
        "POST",
        "/kyc-requests",
        {"customerId": customer["id"], "documents": [{"type": "funds-proof"}]},
    )
    assert refused.fields() == {"customerId": "The customer does not exist."}
    assert rapi_other.call("GET", f"/kyc-requests/{created['id']}").status == 404


@pytest.mark.parametrize("rel", ["kycGatherer", "both"])
def test_the_legacy_gatherer_rel_can_be_emitted(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, rel: str
) -> None:
    customer = rapi.customer()
    reb.config(gatherer_rel=rel)
    body = {"customerId": customer["id"], "documents": [{"type": "identity-proof"}]}
    # Sent without RebillyApi: its answer breaks the current spec on purpose (checked below).
    response = requests.post(
        rapi.api_base + "/kyc-requests", json=body, headers={"REB-APIKEY": rapi.api_key}, timeout=5
    )
    created = response.json()
    rels = [item["rel"] for item in created["_links"]]
    expected = {"kycGatherer": ["kycGatherer"], "both": ["gatherer", "kycGatherer"]}[rel]
    assert rels == ["self", "documents", *expected]
    assert link(created, "kycGatherer").startswith(reb.base_url + "/gatherer?token=")
    # The current spec no longer allows the old rel: that is the point of the option.
    with pytest.raises(ValidationError, match="kycGatherer"):
        rebilly_spec.validate_response("POST", response.url, response.status_code, created)


# --- the credit file (emulator reading of the sandbox rule) ---------------------------------

CREDIT_FIRST: list[dict[str, Any]] = [
    {"type": "credit-file-proof", "maxAttempts": 1},
    {"type": "identity-proof"},
    {"type": "address-proof"},
]


def test_first_name_accept_fulfils_at_once(rapi: RebillyApi) -> None:
    customer = rapi.customer("accept")
    created = rapi.kyc_request(customer["id"], *CREDIT_FIRST)
    assert (created["status"], created["revision"]) == ("fulfilled", 1)
    [document] = rapi.documents(created["id"])
    assert (document["documentType"], document["status"]) == ("credit-file-proof", "accepted")
    assert document["fileIds"] == []
    assert document["reviewerId"] is None
    matches = document["documentMatches"]["data"]
    assert (matches["decision"], matches["creditBureau"]) == ("single-source", "test-bureau")
    assert rapi.ok("GET", f"/customers/{customer['id']}")["hasFulfilledKyc"] is True


def test_any_other_first_name_falls_back_to_the_other_documents(rapi: RebillyApi) -> None:
    customer = rapi.customer("Ada")
    created = rapi.kyc_request(customer["id"], *CREDIT_FIRST)
    assert created["status"] == "gathering"
    [document] = rapi.documents(created["id"])
    assert document["status"] == "rejected"
    assert document["rejectionReason"]["type"] == "other"
    assert document["documentMatches"]["data"]["decision"] == "other"
    assert rapi.ok("GET", f"/customers/{customer['id']}")["hasFulfilledKyc"] is False


def test_a_credit_file_alone_fails_when_rejected(rapi: RebillyApi) -> None:
    created = rapi.kyc_request(
        rapi.customer("Ada")["id"], {"type": "credit-file-proof", "maxAttempts": 1}
    )
    assert created["status"] == "failed"


def test_an_accepted_credit_file_still_needs_the_rest(rapi: RebillyApi) -> None:
    created = rapi.kyc_request(
        rapi.customer("accept")["id"], *CREDIT_FIRST, {"type": "funds-proof"}
    )
    assert created["status"] == "partial"
