"""KYC requests and documents (fact sheet §4, §6): the state machine, decisions and events.

A request's status is recomputed from its documents after every document change, on every
read (lazily: expiry needs no event to happen) and by a job due at its `expirationTime`:

    per requested type: satisfied (a document accepted), pending (one pending or in-progress),
    exhausted (maxAttempts > 0 and that many rejected), else open.
    all satisfied -> fulfilled; any exhausted -> failed; past expirationTime -> expired (no
    document ever) or abandoned; any accepted -> partial; any pending -> pending-review; any
    document -> attempted; else gathering.

fulfilled, failed, expired and abandoned never change again; reaching attempted, partial,
fulfilled or failed sends the matching `kyc-request-*` event, expired and abandoned send none.

Emulator reading of the sandbox credit-file rule (fact sheet §8, open questions 3 and 4): a
requested `credit-file-proof` is decided when the request is created. The customer's
`primaryAddress.firstName` equal to `accept` (option `credit_file_accept_name`) gives an
accepted credit-file document (`decision: single-source`, `creditBureau: test-bureau`) that
also satisfies identity-proof and address-proof, so the 201 may already say `fulfilled`. Any
other name gives a rejected one (`rejectionReason.type: other`) and, when identity-proof or
address-proof is requested too, the request falls back to them (the rejection neither fails
the request nor counts as a provided document). The gatherer never offers a credit file.
"""

from __future__ import annotations

import math
import secrets
import time
from typing import Any

from sandbox.rebilly import customers, listing, webhooks
from sandbox.rebilly.problems import invalid_field, not_found
from sandbox.rebilly.runtime import Runtime, iso, new_id
from sandbox.rebilly.state import Resource
from sandbox.rebilly.validation import BLANK, Fields
from sandbox.rebilly.vocabulary import (
    ABANDONED,
    ACCEPTED,
    ADDRESS,
    ARCHIVED,
    ATTEMPTED,
    CREDIT_FILE,
    DOCUMENT_TYPES,
    EXPIRED,
    FAILED,
    FULFILLED,
    GATHERING,
    IDENTITY,
    IN_PROGRESS,
    PARTIAL,
    PENDING,
    PENDING_REVIEW,
    PERMANENT,
    REJECTED,
    REJECTION_REASONS,
    REQUEST_EVENTS,
    SUBTYPES,
)

REQUEST = "kyc-request"
DOCUMENT = "kyc-document"
DECIDE_JOB = "decide-document"
EXPIRE_JOB = "expire-request"

REQUEST_FIELDS = ("id", "customerId", "status", "reason", "createdTime", "expirationTime")
DOCUMENT_FIELDS = (
    "id",
    "customerId",
    "requestId",
    "documentType",
    "documentSubtype",
    "status",
    "createdTime",
)
# Who staff decisions are recorded as: the API key's user [INF: keys belong to a user].
REVIEWER_ID = "usr_sandbox_api_key"
REVIEWER_NAME = "Sandbox API key"

SATISFIED, WAITING, EXHAUSTED, OPEN, WAIVED = "satisfied", "waiting", "exhausted", "open", "waived"


# --- request bodies -------------------------------------------------------------------------


def _requested_documents(f: Fields, items: list[Any]) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"documents.{index}"
        if not isinstance(item, dict):
            f.add(where, "This value should be of type object.")
            continue
        kind = f.choice(item, "type", f"{where}.type", DOCUMENT_TYPES, required=True)
        if kind is not None and kind in seen:
            # The spec is silent; one entry per type keeps the status rules unambiguous.
            f.add(f"{where}.type", "This document type is already requested.")
        seen.add(kind)
        subtypes = f.array(item, "subtypes", f"{where}.subtypes")
        for position, subtype in enumerate(subtypes or []):
            if subtype is not None and subtype not in SUBTYPES:
                f.add(
                    f"{where}.subtypes.{position}", "The value you selected is not a valid choice."
                )
        documents.append(
            {
                "type": kind,
                "subtypes": subtypes,
                "maxAttempts": f.integer(
                    item, "maxAttempts", f"{where}.maxAttempts", low=0, high=100, default=3
                ),
                "faceProofRequired": f.boolean(
                    item, "faceProofRequired", f"{where}.faceProofRequired"
                ),
                "faceLivenessRequired": f.boolean(
                    item, "faceLivenessRequired", f"{where}.faceLivenessRequired"
                ),
            }
        )
    return documents


def _request_fields(rt: Runtime, org: str, body: Any, *, patch: bool) -> dict[str, Any]:
    """The writable fields given (all of them for a create), validated."""
    if not isinstance(body, dict):
        raise invalid_field("body", "This value should be of type object.")
    f = Fields()
    fields: dict[str, Any] = {}
    if not patch:
        customer_id = f.string(body, "customerId", "customerId", required=True, max_length=50)
        if customer_id:
            customer = rt.store.load(customers.KIND, customer_id)
            if customer is None or customer.org != org:
                f.add("customerId", "The customer does not exist.")
        fields["customerId"] = customer_id
    if not patch or "documents" in body:
        items = f.array(body, "documents", "documents", nullable=False)
        if items is None and "documents" not in body:
            f.add("documents", BLANK)
        elif items == []:
            f.add("documents", "This collection should contain 1 element or more.")
        fields["documents"] = _requested_documents(f, items or [])
    if "redirectUrl" in body or not patch:
        fields["redirectUrl"] = f.url(body, "redirectUrl", "redirectUrl", required=False)
    if "reason" in body or not patch:
        fields["reason"] = f.string(body, "reason", "reason")
    if "matchLevel" in body or not patch:
        fields["matchLevel"] = f.choice(body, "matchLevel", "matchLevel", (1, 2, 3), default=2)
    if "expirationTime" in body:
        moment = f.datetime(body, "expirationTime", "expirationTime")
        if moment is not None:
            fields["expires"] = math.floor(moment)
    f.done()
    return fields


# --- rendering ------------------------------------------------------------------------------


def gatherer_url(rt: Runtime, request: Resource) -> str:
    return f"{rt.startup.public_url}/gatherer?token={request.meta['token']}"


def render_request(rt: Runtime, request: Resource, *, expand: bool = False) -> dict[str, Any]:
    base = rt.api_base(request.org)
    links = [
        {"rel": "self", "href": f"{base}/kyc-requests/{request.id}"},
        {"rel": "documents", "href": f"{base}/kyc-documents?filter=requestId:{request.id}"},
    ]
    # Open question 2: `gatherer` per the spec, `kycGatherer` per the guide (option gatherer_rel).
    rel = rt.config.gatherer_rel
    for name in ("gatherer", "kycGatherer"):
        if rel in (name, "both"):
            links.append({"rel": name, "href": gatherer_url(rt, request)})
    answer = {**request.body, "_links": links}
    if expand:
        documents = [render_document(rt, d) for d in documents_of(rt, request)]
        answer["_embedded"] = {"documents": documents}
    return answer


def render_document(rt: Runtime, document: Resource) -> dict[str, Any]:
    base = rt.api_base(document.org)
    links = [
        {"rel": "self", "href": f"{base}/kyc-documents/{document.id}"},
        {"rel": "customer", "href": f"{base}/customers/{document.body['customerId']}"},
    ]
    return {**document.body, "_links": links}


def documents_of(rt: Runtime, request: Resource) -> list[Resource]:
    return [d for d in rt.store.all(DOCUMENT, request.org) if d.body["requestId"] == request.id]


# --- the state machine ----------------------------------------------------------------------


def type_states(request: dict[str, Any], documents: list[dict[str, Any]]) -> dict[str, str]:
    """Where each requested document type stands (see the module docstring)."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        by_type.setdefault(document["documentType"], []).append(document)
    requested = {spec["type"]: spec for spec in request["documents"]}
    credit_ok = any(d["status"] == ACCEPTED for d in by_type.get(CREDIT_FILE, []))
    fallback = bool(requested.keys() & {IDENTITY, ADDRESS})
    states: dict[str, str] = {}
    for kind, spec in requested.items():
        statuses = [d["status"] for d in by_type.get(kind, [])]
        if ACCEPTED in statuses or (credit_ok and kind in (IDENTITY, ADDRESS)):
            states[kind] = SATISFIED
        elif kind == CREDIT_FILE and fallback:
            states[kind] = WAIVED  # a failed credit check falls back to identity and address
        elif PENDING in statuses or IN_PROGRESS in statuses:
            states[kind] = WAITING
        elif 0 < spec["maxAttempts"] <= statuses.count(REJECTED):
            states[kind] = EXHAUSTED
        else:
            states[kind] = OPEN
    return states


def evaluate(
    rt: Runtime, request: dict[str, Any], documents: list[dict[str, Any]], now: float
) -> str:
    status = str(request["status"])
    if status in PERMANENT:
        return status
    states = type_states(request, documents)
    provided = [
        d for d in documents if d["documentType"] in states and states[d["documentType"]] != WAIVED
    ]
    waiting = (PENDING, IN_PROGRESS) if rt.config.in_progress_is_pending_review else (PENDING,)
    if now >= request["_expires"]:
        return ABANDONED if provided else EXPIRED
    if all(state in (SATISFIED, WAIVED) for state in states.values()):
        return FULFILLED
    if EXHAUSTED in states.values():
        return FAILED
    if any(d["status"] == ACCEPTED for d in provided):
        return PARTIAL
    if any(d["status"] in waiting for d in provided):
        return PENDING_REVIEW
    return ATTEMPTED if provided else GATHERING


def settle(rt: Runtime, request: Resource, now: float | None = None) -> bool:
    """Recompute the status; save and announce a change. True when it changed.

    The request is read again first (and `request` refreshed in place): a decision made
    meanwhile through another copy must not be computed, and announced, twice.
    """
    with rt.store.transaction():
        fresh = rt.store.load(REQUEST, request.id)
        if fresh is None:
            return False
        request.body, request.meta = fresh.body, fresh.meta
        documents = [d.body for d in documents_of(rt, request)]
        view = {**request.body, "_expires": request.meta["expires"]}
        new = evaluate(rt, view, documents, time.time() if now is None else now)
        if new == request.body["status"]:
            return False
        _touch(request.body)
        request.body["status"] = new
        rt.store.save(request)
        if new == FULFILLED:
            customers.mark_fulfilled(rt, request.body["customerId"])
        if new in REQUEST_EVENTS:
            _request_event(rt, request, REQUEST_EVENTS[new])
    return True


def _touch(body: dict[str, Any]) -> None:
    body["revision"] += 1
    body["updatedTime"] = iso(time.time())


# --- events ---------------------------------------------------------------------------------


def _customer_snapshot(rt: Runtime, customer_id: str) -> dict[str, Any]:
    customer = rt.store.load(customers.KIND, customer_id)
    return customers.render(rt, customer) if customer is not None else {"id": customer_id}


def _request_event(rt: Runtime, request: Resource, event_type: str) -> None:
    base = rt.api_base(request.org)
    customer_id = request.body["customerId"]
    payload = {
        "customerId": customer_id,
        "kycRequestId": request.id,
        "eventType": event_type,
        "_embedded": {
            "customer": _customer_snapshot(rt, customer_id),
            "kycRequest": render_request(rt, request),
        },
        "_links": [
            {"rel": "customer", "href": f"{base}/customers/{customer_id}"},
            {"rel": "kycRequest", "href": f"{base}/kyc-requests/{request.id}"},
        ],
    }
    webhooks.emit(rt, request.org, event_type, request.id, payload)


def _document_event(rt: Runtime, document: Resource, event_type: str) -> None:
    base = rt.api_base(document.org)
    body = document.body
    customer_id = body["customerId"]
    payload: dict[str, Any] = {"customerId": customer_id, "kycDocumentId": document.id}
    links = [{"rel": "customer", "href": f"{base}/customers/{customer_id}"}]
    if body["fileIds"]:
        # A credit-file document has no file: no fileId and no file link.
        payload["fileId"] = body["fileIds"][0]
        links.append({"rel": "file", "href": f"{base}/files/{body['fileIds'][0]}"})
    links.append({"rel": "kycDocument", "href": f"{base}/kyc-documents/{document.id}"})
    payload["eventType"] = event_type
    payload["_embedded"] = {
        "customer": _customer_snapshot(rt, customer_id),
        "kycDocument": render_document(rt, document),
    }
    payload["_links"] = links
    webhooks.emit(rt, document.org, event_type, document.id, payload)


# --- requests -------------------------------------------------------------------------------


def create_request(rt: Runtime, org: str, body: Any) -> Resource:
    fields = _request_fields(rt, org, body, patch=False)
    now = time.time()
    expires = fields.pop("expires", math.floor(now + rt.config.request_ttl))
    request_id = new_id("kyc_req_")
    token = secrets.token_urlsafe(24)
    stamp = iso(now)
    request = Resource(
        REQUEST,
        request_id,
        org,
        {
            "id": request_id,
            "customerId": fields["customerId"],
            "documents": fields["documents"],
            "status": GATHERING,
            "redirectUrl": fields["redirectUrl"],
            "reason": fields["reason"],
            "matchLevel": fields["matchLevel"],
            "revision": 0,
            "expirationTime": iso(expires),
            "createdTime": stamp,
            "updatedTime": stamp,
        },
        {"token": token, "expires": expires},
    )
    with rt.store.transaction():
        rt.store.save(request)
        rt.store.add_token(token, request_id, org)
        rt.queue(EXPIRE_JOB, {"request_id": request_id}, at=expires, subject=request_id)
        if any(spec["type"] == CREDIT_FILE for spec in fields["documents"]):
            _check_credit_file(rt, request)
        settle(rt, request)
    return request


def load_request(rt: Runtime, org: str, request_id: str) -> Resource:
    """A request of `org`, its status brought up to date (expiry happens on read too)."""
    request = rt.store.load(REQUEST, request_id)
    if request is None or request.org != org:
        raise not_found("KYC request", request_id)
    settle(rt, request)
    return request


def patch_request(rt: Runtime, org: str, request_id: str, body: Any) -> Resource:
    with rt.store.transaction():
        request = load_request(rt, org, request_id)
        if (
            isinstance(body, dict)
            and body.get("customerId", request.body["customerId"]) != (request.body["customerId"])
        ):
            raise invalid_field("customerId", "This value is read-only.")
        fields = _request_fields(rt, org, body, patch=True)
        expires = fields.pop("expires", None)
        before = dict(request.body)
        request.body.update(fields)
        if expires is not None and expires != request.meta["expires"]:
            request.meta["expires"] = expires
            request.body["expirationTime"] = iso(expires)
            rt.queue(EXPIRE_JOB, {"request_id": request.id}, at=expires, subject=request.id)
        if request.body != before:
            # A permanent status stays as it is (open question 9: no re-opening by PATCH).
            _touch(request.body)
            rt.store.save(request)
            settle(rt, request)
    return request


def delete_request(rt: Runtime, org: str, request_id: str) -> None:
    """The request goes (its link stops working); its documents stay."""
    with rt.store.transaction():
        request = load_request(rt, org, request_id)
        rt.store.remove(REQUEST, request.id)


def expire_now(rt: Runtime, request: Resource) -> Resource:
    """Emulator-only: move expirationTime into the past; expired/abandoned follows, silently."""
    with rt.store.transaction():
        if request.body["status"] not in PERMANENT:
            past = math.floor(time.time()) - 1
            request.meta["expires"] = past
            request.body["expirationTime"] = iso(past)
            _touch(request.body)
            rt.store.save(request)
            settle(rt, request)
    return request


def request_collection(rt: Runtime, org: str, args: dict[str, str]) -> listing.Page:
    expand = "documents" in args.get("expand", "").split(",")
    items = []
    for request in rt.store.all(REQUEST, org):
        settle(rt, request)
        items.append(render_request(rt, request, expand=expand))
    return listing.page(items, args, fields=REQUEST_FIELDS, default_limit=rt.config.page_limit)


def run_expiry_job(rt: Runtime, job: dict[str, Any]) -> None:
    request = rt.store.load(REQUEST, str(job["request_id"]))
    if request is not None:
        settle(rt, request)


# --- documents ------------------------------------------------------------------------------


def add_document(
    rt: Runtime,
    request: Resource,
    kind: str,
    subtype: str | None,
    file_ids: list[str],
    status: str,
) -> Resource:
    """A new document of the request (announced by kyc-document-created); caller settles."""
    document_id = new_id("kyc_doc_")
    stamp = iso(time.time())
    document = Resource(
        DOCUMENT,
        document_id,
        request.org,
        {
            "id": document_id,
            "customerId": request.body["customerId"],
            "requestId": request.id,
            "documentType": kind,
            "documentSubtype": subtype,
            "fileIds": file_ids,
            "status": status,
            "rejectionReason": None,
            "createdTime": stamp,
            "updatedTime": stamp,
            "processedTime": None,
            "reviewerId": None,
            "reviewerName": None,
            "reviewStartTime": None,
            "reviewTime": None,
            "notes": None,
            "tags": [],
            "reason": request.body["reason"],
            "matchLevel": request.body["matchLevel"],
            "revision": 0,
            "documentMatches": None,
            "parsedData": None,
            "settings": None,
        },
    )
    with rt.store.transaction():
        rt.store.save(document)
        _document_event(rt, document, "kyc-document-created")
    return document


def decide(
    rt: Runtime,
    document: Resource,
    status: str,
    reason: dict[str, Any] | None = None,
    *,
    staff: bool = False,
    matches: dict[str, Any] | None = None,
) -> Resource:
    """Set a document's status as the AI (reviewer null) or staff would, with its events.

    Accepting archives the request's other unreviewed documents of the same type (fact
    sheet §6.3); then the request is settled.
    """
    with rt.store.transaction():
        body = document.body
        stamp = iso(time.time())
        body["status"] = status
        body["rejectionReason"] = reason if status == REJECTED else None
        if status in (ACCEPTED, REJECTED):
            body["processedTime"] = stamp
        if staff:
            body.update(reviewTime=stamp, reviewerId=REVIEWER_ID, reviewerName=REVIEWER_NAME)
        if matches is not None:
            body["documentMatches"] = matches
        _touch(body)
        rt.store.save(document)
        rt.store.cancel_jobs(DECIDE_JOB, document.id)
        if status in (ACCEPTED, REJECTED):
            _document_event(rt, document, f"kyc-document-{status}")
        _optional_events(rt, document, reviewed=staff)
        request = rt.store.load(REQUEST, str(body["requestId"]))
        if status == ACCEPTED and request is not None:
            for other in documents_of(rt, request):
                same_type = other.body["documentType"] == body["documentType"]
                if (
                    same_type
                    and other.id != document.id
                    and other.body["status"] in (PENDING, IN_PROGRESS)
                ):
                    other.body["status"] = ARCHIVED
                    _touch(other.body)
                    rt.store.save(other)
                    rt.store.cancel_jobs(DECIDE_JOB, other.id)
                    _document_event(rt, other, "kyc-document-archived")
                    _optional_events(rt, other, reviewed=False)
        if request is not None:
            settle(rt, request)
    return document


def _optional_events(rt: Runtime, document: Resource, *, reviewed: bool) -> None:
    if rt.config.document_modified_events:
        _document_event(rt, document, "kyc-document-modified")
    if reviewed and rt.config.document_reviewed_events:
        _document_event(rt, document, "kyc-document-reviewed")


def plan_decision(
    rt: Runtime, document: Resource, status: str, reason: dict[str, Any] | None
) -> None:
    """The emulator's own decision of an upload, after `decision_delay` (0: now)."""
    delay = rt.config.decision_delay
    if delay <= 0:
        decide(rt, document, status, reason)
        return
    job = {"document_id": document.id, "status": status, "reason": reason}
    rt.queue(DECIDE_JOB, job, at=time.time() + delay, subject=document.id)


def run_decision_job(rt: Runtime, job: dict[str, Any]) -> None:
    document = rt.store.load(DOCUMENT, str(job["document_id"]))
    # Decided meanwhile (by staff, the control API or an acceptance that archived it): done.
    if document is not None and document.body["status"] == IN_PROGRESS:
        decide(rt, document, str(job["status"]), job.get("reason"))


def load_document(rt: Runtime, org: str, document_id: str) -> Resource:
    document = rt.store.load(DOCUMENT, document_id)
    if document is None or document.org != org:
        raise not_found("KYC document", document_id)
    return document


def document_collection(rt: Runtime, org: str, args: dict[str, str]) -> listing.Page:
    items = [render_document(rt, d) for d in rt.store.all(DOCUMENT, org)]
    return listing.page(items, args, fields=DOCUMENT_FIELDS, default_limit=rt.config.page_limit)


def rejection(body: Any) -> dict[str, Any]:
    """A KycDocumentRejection body `{type, message}`, validated."""
    if not isinstance(body, dict):
        raise invalid_field("body", "This value should be of type object.")
    f = Fields()
    kind = f.choice(body, "type", "type", REJECTION_REASONS, required=True)
    message = f.string(body, "message", "message", max_length=255)
    f.done()
    reason: dict[str, Any] = {"type": kind}
    if message is not None:
        reason["message"] = message
    return reason


def default_reason(kind: str) -> dict[str, Any]:
    """The rejection an emulator decision records (what the page's reason choice gives)."""
    return {
        "type": kind,
        "message": f"Rejected by the sandbox emulator ({kind.replace('-', ' ')}).",
    }


# --- the credit file ------------------------------------------------------------------------


def _check_credit_file(rt: Runtime, request: Resource) -> None:
    customer = rt.store.load(customers.KIND, request.body["customerId"])
    address = (customer.body.get("primaryAddress") if customer else None) or {}
    accepted = address.get("firstName") == rt.config.credit_file_accept_name
    document = add_document(rt, request, CREDIT_FILE, None, [], IN_PROGRESS)
    hit = "Y" if accepted else "N"
    matches: dict[str, Any] = {
        "version": "2.0",
        "score": 100 if accepted else 0,
        "checkList": [
            {"name": "decision", "failed": not accepted, "score": 100, "reason": None},
        ],
        "data": {
            "creditBureau": "test-bureau",
            "creditFileNumber": f"TEST-{document.id[-10:]}",
            "name": " ".join(filter(None, (address.get("firstName"), address.get("lastName")))),
            "consultedDate": iso(time.time()),
            "decision": "single-source" if accepted else "other",
            "trades": [],
            "referenceData": {
                "singleSourceHit": hit,
                "dualSourceHit": "N",
                "waterfallProcess": "N",
                "numberOfTradesOnFile": "000",
            },
        },
    }
    reason = None
    if not accepted:
        message = "No matching credit file (sandbox: the customer's first name is not 'accept')."
        reason = {"type": "other", "message": message}
    decide(rt, document, ACCEPTED if accepted else REJECTED, reason, matches=matches)
