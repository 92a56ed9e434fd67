"""Rebilly emulator: the KYC request status machine, document decisions (the emulator's own,
staff acceptance/rejection, archiving) and the events each transition sends."""

from __future__ import annotations

import time
from typing import Any

from sandbox.rebilly.process import RebillyEmulatorProcess
from tests.sandbox.dollarpe_support import TestServer, wait_for
from tests.sandbox.rebilly_support import (
    RebillyApi,
    events_of,
    link,
    subscribe,
    wait_status,
    webhooks,
)

IDENTITY = {"type": "identity-proof"}
ADDRESS = {"type": "address-proof"}


def _request(rapi: RebillyApi, *documents: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return dict(rapi.kyc_request(rapi.customer()["id"], *documents, **fields))


def _request_events(reb: RebillyEmulatorProcess) -> list[str]:
    return [e["event_type"] for e in reb.events() if e["event_type"].startswith("kyc-request-")]


def test_a_rejection_makes_the_request_attempted(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server)
    kyc = _request(rapi, IDENTITY)
    assert reb.gatherer_submit(link(kyc), {"identity-proof": "reject:name-mismatch"}) == (
        "https://shop.example/kyc/return?info=success"
    )
    # Uploaded and being analysed: in-progress counts as waiting for a review.
    [document] = rapi.documents(kyc["id"])
    assert document["status"] == "in-progress"
    assert rapi.get_request(kyc["id"])["status"] == "pending-review"
    decided = wait_status(rapi, kyc["id"], "attempted")
    [document] = decided["_embedded"]["documents"]
    assert document["status"] == "rejected"
    assert document["rejectionReason"]["type"] == "name-mismatch"
    assert document["reviewerId"] is None
    assert document["reviewTime"] is None
    assert document["processedTime"] is not None
    bodies = webhooks(server, 3)
    assert events_of(bodies) == [
        "kyc-document-created",
        "kyc-document-rejected",
        "kyc-request-attempted",
    ]
    assert bodies[2]["_embedded"]["kycRequest"]["status"] == "attempted"
    assert bodies[2]["_embedded"]["kycRequest"]["revision"] == decided["revision"]


def test_in_progress_can_be_counted_as_attempted(
    rapi: RebillyApi, reb: RebillyEmulatorProcess
) -> None:
    reb.config(in_progress_is_pending_review=False, decision_delay=30)
    kyc = _request(rapi, IDENTITY)
    reb.gatherer_submit(link(kyc), {"identity-proof": "accept"})
    assert rapi.get_request(kyc["id"])["status"] == "attempted"


def test_review_leaves_a_pending_document_for_staff(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server)
    kyc = _request(rapi, IDENTITY)
    location = reb.gatherer_submit(link(kyc), {"identity-proof": "review"})
    assert location == "https://shop.example/kyc/return?info=manual"
    [document] = rapi.documents(kyc["id"])
    assert document["status"] == "pending"
    time.sleep(0.4)  # longer than decision_delay: nothing decides it on its own
    assert rapi.get_request(kyc["id"])["status"] == "pending-review"

    reply = rapi.call("POST", f"/kyc-documents/{document['id']}/acceptance")
    assert reply.status == 201
    assert reply.headers["Location"].endswith(f"/kyc-documents/{document['id']}")
    accepted = reply.body
    assert accepted["status"] == "accepted"
    assert accepted["reviewerId"]
    assert accepted["reviewerName"]
    assert accepted["reviewTime"]
    assert accepted["revision"] == document["revision"] + 1
    assert rapi.get_request(kyc["id"])["status"] == "fulfilled"
    assert events_of(webhooks(server, 3)) == [
        "kyc-document-created",
        "kyc-document-accepted",
        "kyc-request-fulfilled",
    ]


def test_one_accepted_of_two_is_partial_then_fulfilled(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server)
    customer = rapi.customer()
    kyc = rapi.kyc_request(customer["id"], IDENTITY, ADDRESS)
    outcomes = {"identity-proof": "accept", "address-proof": "reject:document-expired"}
    reb.gatherer_submit(link(kyc), outcomes)
    wait_status(rapi, kyc["id"], "partial")
    # The rejected type is offered again; this time it is accepted.
    again = reb.gatherer_submit(link(kyc), {"address-proof": "accept"})
    assert again == "https://shop.example/kyc/return?info=success"
    done = wait_status(rapi, kyc["id"], "fulfilled")
    assert rapi.ok("GET", f"/customers/{customer['id']}")["hasFulfilledKyc"] is True
    bodies = webhooks(server, 8)
    request_bodies = [b for b in bodies if b["eventType"].startswith("kyc-request-")]
    assert events_of(request_bodies) == [
        "kyc-request-partially-fulfilled",
        "kyc-request-fulfilled",
    ]
    revisions = [b["_embedded"]["kycRequest"]["revision"] for b in request_bodies]
    assert revisions == sorted(revisions)
    assert revisions[-1] == done["revision"]
    assert request_bodies[-1]["_embedded"]["customer"]["hasFulfilledKyc"] is True
    # Permanent: nothing to upload any more.
    assert reb.gatherer_submit(link(kyc), {}) is None


def test_used_up_attempts_fail_the_request(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    reb.config(decision_delay=0)
    subscribe(rapi, server, events=["kyc-request-failed", "kyc-request-attempted"])
    kyc = _request(rapi, {"type": "identity-proof", "maxAttempts": 2})
    reb.gatherer_submit(link(kyc), {"identity-proof": "reject:document-unreadable"})
    assert rapi.get_request(kyc["id"])["status"] == "attempted"
    reb.gatherer_submit(link(kyc), {"identity-proof": "reject:document-unreadable"})
    failed = rapi.get_request(kyc["id"])
    assert failed["status"] == "failed"
    assert events_of(webhooks(server, 2)) == ["kyc-request-attempted", "kyc-request-failed"]
    # Permanent: a later acceptance changes the document, never the request.
    first = failed["_embedded"]["documents"][0]
    rapi.ok("POST", f"/kyc-documents/{first['id']}/acceptance", status=201)
    assert rapi.get_request(kyc["id"])["status"] == "failed"


def test_max_attempts_zero_is_unlimited(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    reb.config(decision_delay=0)
    kyc = _request(rapi, {"type": "identity-proof", "maxAttempts": 0})
    for _ in range(4):
        reb.gatherer_submit(link(kyc), {"identity-proof": "reject:document-invalid"})
    after = rapi.get_request(kyc["id"])
    assert after["status"] == "attempted"
    assert [d["status"] for d in after["_embedded"]["documents"]] == ["rejected"] * 4


def test_expiry_without_documents_is_expired_and_silent(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server)
    kyc = _request(rapi, IDENTITY)
    expired = reb.expire(kyc["id"])
    assert expired["status"] == "expired"
    assert rapi.get_request(kyc["id"])["status"] == "expired"
    assert _request_events(reb) == []
    time.sleep(0.3)
    assert server.received("rebilly") == []


def test_expiry_with_documents_is_abandoned_and_silent(
    rapi: RebillyApi, reb: RebillyEmulatorProcess
) -> None:
    kyc = _request(rapi, IDENTITY, ADDRESS)
    reb.gatherer_submit(link(kyc), {"identity-proof": "review"})
    assert reb.expire(kyc["id"])["status"] == "abandoned"
    # Permanent, even when staff accept the rest afterwards.
    [document] = rapi.documents(kyc["id"])
    rapi.ok("POST", f"/kyc-documents/{document['id']}/acceptance", status=201)
    assert rapi.get_request(kyc["id"])["status"] == "abandoned"
    assert _request_events(reb) == []


def test_expiration_time_passing_expires_the_request(rapi: RebillyApi) -> None:
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1.5))
    kyc = _request(rapi, IDENTITY, expirationTime=soon)
    assert kyc["status"] == "gathering"
    wait_status(rapi, kyc["id"], "expired", timeout=5)


def test_acceptance_archives_the_other_unreviewed_documents(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    reb.config(decision_delay=0)
    subscribe(rapi, server, events=["kyc-document-archived"])
    kyc = _request(rapi, IDENTITY)
    reb.gatherer_submit(link(kyc), {"identity-proof": "reject:document-expired"})
    reb.gatherer_submit(link(kyc), {"identity-proof": "review"})
    first, second = rapi.documents(kyc["id"])
    # The first one back in review (as Rebilly's AI might leave it): two unreviewed now.
    assert reb.decide(first["id"], "pending")["document"]["status"] == "pending"
    rapi.ok("POST", f"/kyc-documents/{second['id']}/acceptance", status=201)
    statuses = {d["id"]: d["status"] for d in rapi.documents(kyc["id"])}
    assert statuses == {first["id"]: "archived", second["id"]: "accepted"}
    [archived] = webhooks(server, 1)
    assert archived["kycDocumentId"] == first["id"]
    assert archived["_embedded"]["kycDocument"]["status"] == "archived"
    assert rapi.get_request(kyc["id"])["status"] == "fulfilled"


def test_staff_rejection(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    kyc = _request(rapi, IDENTITY)
    reb.gatherer_submit(link(kyc), {"identity-proof": "review"})
    [document] = rapi.documents(kyc["id"])
    path = f"/kyc-documents/{document['id']}/rejection"
    body = {"type": "underage-person", "message": "Under 18"}
    reply = rapi.call("POST", path, body)
    assert reply.status == 201
    assert reply.body["rejectionReason"] == body
    assert reply.body["reviewerId"] is not None
    assert rapi.get_request(kyc["id"])["status"] == "attempted"
    assert rapi.call("POST", path, {}, valid=False).fields() == {
        "type": "This value should not be blank."
    }
    assert rapi.call("POST", path, {"type": "too-young"}, valid=False).fields() == {
        "type": "The value you selected is not a valid choice."
    }
    long = {"type": "other", "message": "x" * 256}
    assert set(rapi.call("POST", path, long, valid=False).fields()) == {"message"}
    assert rapi.call("POST", "/kyc-documents/kyc_doc_nope/rejection", body).status == 404
    assert rapi.call("POST", "/kyc-documents/kyc_doc_nope/acceptance").status == 404


def test_documents_are_listed_and_read(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    customer = rapi.customer()
    kyc = rapi.kyc_request(customer["id"], {"type": "identity-proof", "faceProofRequired": True})
    other = rapi.kyc_request(rapi.customer()["id"], ADDRESS)
    reb.gatherer_submit(link(kyc), {"identity-proof": "review"})
    reb.gatherer_submit(link(other), {"address-proof": "review"})
    [document] = rapi.documents(kyc["id"])
    assert document["id"].startswith("kyc_doc_")
    assert (document["customerId"], document["requestId"]) == (customer["id"], kyc["id"])
    assert (document["documentType"], document["documentSubtype"]) == ("identity-proof", "passport")
    assert len(document["fileIds"]) == 2  # the document and the selfie
    assert [item["rel"] for item in document["_links"]] == ["self", "customer"]
    assert rapi.ok("GET", f"/kyc-documents/{document['id']}") == document
    by_customer = rapi.ok(
        "GET", "/kyc-documents", params={"filter": f"customerId:{customer['id']}"}
    )
    assert [d["id"] for d in by_customer] == [document["id"]]
    assert len(rapi.ok("GET", "/kyc-documents")) == 2
    assert rapi.call("GET", "/kyc-documents/kyc_doc_nope").status == 404


def test_the_control_api_decides_as_the_ai(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server, events=["kyc-document-rejected"])
    kyc = _request(rapi, IDENTITY)
    reb.gatherer_submit(link(kyc), {"identity-proof": "review"})
    [document] = rapi.documents(kyc["id"])
    decided = reb.decide(document["id"], "rejected", "tampered-document", "Edited photo")
    assert decided["document"]["rejectionReason"] == {
        "type": "tampered-document",
        "message": "Edited photo",
    }
    assert decided["document"]["reviewerId"] is None
    assert decided["request"]["status"] == "attempted"
    [body] = webhooks(server, 1)
    assert body["_embedded"]["kycDocument"]["rejectionReason"]["type"] == "tampered-document"


def test_optional_document_events(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    reb.config(document_modified_events=True, document_reviewed_events=True)
    subscribe(rapi, server, events=["kyc-document-modified", "kyc-document-reviewed"])
    kyc = _request(rapi, IDENTITY)
    reb.gatherer_submit(link(kyc), {"identity-proof": "review"})
    [document] = rapi.documents(kyc["id"])
    rapi.ok("POST", f"/kyc-documents/{document['id']}/acceptance", status=201)
    assert events_of(webhooks(server, 2)) == ["kyc-document-modified", "kyc-document-reviewed"]


def test_a_decision_planned_before_a_staff_one_is_dropped(
    rapi: RebillyApi, reb: RebillyEmulatorProcess
) -> None:
    reb.config(decision_delay=0.5)
    kyc = _request(rapi, IDENTITY)
    reb.gatherer_submit(link(kyc), {"identity-proof": "reject:document-expired"})
    [document] = rapi.documents(kyc["id"])
    rapi.ok("POST", f"/kyc-documents/{document['id']}/acceptance", status=201)
    time.sleep(0.8)
    assert rapi.ok("GET", f"/kyc-documents/{document['id']}")["status"] == "accepted"
    assert wait_for(lambda: rapi.get_request(kyc["id"])["status"] == "fulfilled")
