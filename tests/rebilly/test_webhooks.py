"""Rebilly's webhooks at our intake: its Basic credential, duplicates, order, strangers.

The emulator delivers to our live server with the credential we registered
(`register_webhook`: a service credential for our host, then the webhook); the tests
drain the stored deliveries themselves, as the drain task would.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from kyc.models import AuditEvent, ProviderDocument, Status, Verification, WebhookEvent
from kyc.providers.interface import DocumentSnapshot
from kyc.providers.registry import get_provider
from kyc.services.status import documents_apply
from kyc.webhooks.processing import webhooks_drain
from kyc.webhooks.views import webhook_path
from tests.rebilly.conftest import api, applicant, decided, delivered, drained, hand_off
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
State = WebhookEvent.State
PATH = webhook_path("rebilly")


@pytest.fixture
def hooked(rebilly: Any, live_server: Any) -> Any:
    """The emulator delivers to our intake on the live server."""
    get_provider("rebilly").register_webhook(live_server.url + PATH)
    return rebilly


def both_accepted(emulator: Any) -> Verification:
    """An applicant whose two documents Rebilly accepted (its webhooks on their way)."""
    verification = applicant()
    gatherer = hand_off(verification).url
    emulator.gatherer_submit(gatherer, {"identity-proof": "accept", "address-proof": "accept"})
    verification.refresh_from_db()
    decided(emulator, verification.provider_case_id)
    return verification


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


OURS = basic(settings.REBILLY_WEBHOOK_USERNAME, settings.REBILLY_WEBHOOK_PASSWORD)


def post(body: dict[str, Any], authorization: str | None = OURS) -> Any:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return Client().post(
        PATH, data=json.dumps(body), content_type="application/json", headers=headers
    )


def request_event(verification: Verification, event: str = "kyc-request-fulfilled", **more: Any):
    return {
        "customerId": verification.provider_customer_id,
        "kycRequestId": verification.provider_case_id,
        "eventType": event,
        "_embedded": {"kycRequest": {"id": verification.provider_case_id, "revision": 7}},
        **more,
    }


def settled() -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(provider="rebilly").order_by("pk"))


def test_registering_twice_keeps_one_webhook(hooked: Any, live_server: Any) -> None:
    get_provider("rebilly").register_webhook(live_server.url + PATH)
    hooks = api(hooked, "GET", "/webhooks")
    assert len(hooks) == 1
    assert hooks[0]["url"] == live_server.url + PATH
    assert "kyc-request-fulfilled" in hooks[0]["eventsFilter"]


def test_the_emulator_deliveries_verify_the_applicant(hooked: Any) -> None:
    verification = both_accepted(hooked)
    delivered(hooked)
    verification = drained(verification)
    assert verification.status == Status.VERIFIED
    rows = settled()
    assert {row.state for row in rows} <= {State.PROCESSED, State.DUPLICATE}
    assert all("authorization" not in {h.lower() for h in row.headers} for row in rows)
    assert all(settings.REBILLY_WEBHOOK_PASSWORD not in json.dumps(row.headers) for row in rows)
    documents = ProviderDocument.objects.filter(verification=verification)
    assert {d.status for d in documents} == {ProviderDocument.State.ACCEPTED}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        basic("tests-webhooks", "wrong"),
        basic("intruder", "tests-webhook-password"),
        "Bearer x",
    ],
    ids=["missing", "wrong-password", "wrong-user", "not-basic"],
)
def test_anything_but_our_credential_is_refused_and_changes_nothing(
    rebilly: Any, authorization: str | None
) -> None:
    verification = applicant()
    hand_off(verification)
    verification.refresh_from_db()
    changes = AuditEvent.objects.filter(verification=verification, action="status_changed")
    before = changes.count()
    response = post(request_event(verification), authorization)
    assert response.status_code == 401
    row = WebhookEvent.objects.get()
    assert row.state == State.INVALID
    assert "authorization" not in {h.lower() for h in row.headers}
    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED
    webhooks_drain()  # an invalid delivery is never processed
    assert changes.count() == before


def test_a_duplicate_delivery_is_kept_and_applied_once(hooked: Any) -> None:
    hooked.config(duplicate_deliveries=True)
    verification = both_accepted(hooked)
    delivered(hooked)
    rows = wait_for(
        lambda: list(WebhookEvent.objects.filter(event_type="kyc-request-fulfilled")),
        lambda found: len(found) >= 2,
    )
    assert [row.state for row in rows].count(State.DUPLICATE) == 1  # the second, kept apart
    verification = drained(verification)
    applied = AuditEvent.objects.filter(
        verification=verification, action="status_changed", to_status=Status.VERIFIED
    )
    assert applied.count() == 1
    states = WebhookEvent.objects.filter(event_type="kyc-request-fulfilled").values_list(
        "state", flat=True
    )
    assert sorted(states) == [State.DUPLICATE, State.PROCESSED]


def test_deliveries_out_of_order_never_undo_a_newer_state(hooked: Any) -> None:
    hooked.config(hold_deliveries=True)
    verification = both_accepted(hooked)
    hooked.release(order="reverse")  # the fulfilled request first, its documents' creation last
    delivered(hooked)
    arrived = list(WebhookEvent.objects.order_by("pk").values_list("event_type", flat=True))
    assert arrived[0] == "kyc-request-fulfilled"
    assert arrived[-1] == "kyc-document-created"
    verification = drained(verification)  # applied in the order they arrived
    assert verification.status == Status.VERIFIED
    documents = ProviderDocument.objects.filter(verification=verification)
    assert {d.status for d in documents} == {ProviderDocument.State.ACCEPTED}


def test_an_older_document_revision_is_ignored(rebilly: Any) -> None:
    verification = applicant()
    hand_off(verification)
    verification.refresh_from_db()
    newer = DocumentSnapshot("kyc_doc_x", "identity", "accepted", revision=3)
    older = DocumentSnapshot("kyc_doc_x", "identity", "reviewing", revision=1)
    assert documents_apply(verification=verification, documents=(newer,)) == 1
    assert documents_apply(verification=verification, documents=(older,)) == 0
    assert ProviderDocument.objects.get().status == "accepted"


def test_a_delivery_about_an_unknown_customer_is_kept_unmatched(rebilly: Any) -> None:
    body = {
        "customerId": "kyc_nobody",
        "kycRequestId": "kyc_req_nobody",
        "eventType": "kyc-request-fulfilled",
        "_embedded": {"kycRequest": {"revision": 1}},
    }
    assert post(body).status_code == 200
    webhooks_drain()
    assert [row.state for row in WebhookEvent.objects.all()] == [State.UNMATCHED]


def test_a_delivery_about_another_request_of_ours_applies_only_what_is_current(
    rebilly: Any,
) -> None:
    verification = applicant()
    hand_off(verification)
    verification.refresh_from_db()
    body = request_event(verification, kycRequestId="kyc_req_an_old_one")
    assert post(body).status_code == 200
    verification = drained(verification)
    # The current request was fetched: nothing was uploaded, so nothing changed.
    assert verification.status == Status.ACTION_REQUIRED
    assert WebhookEvent.objects.get().state == State.PROCESSED
