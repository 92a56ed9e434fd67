"""Qolo's webhooks at our intake: the x-qolo-signature, its undocumented payload, duplicates.

A signed delivery is only a hint: the person's KYC is fetched again before anything is
applied. The emulator delivers to our live server once our subscription is registered.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from kyc.models import AuditEvent, Status, Verification, WebhookEvent
from kyc.providers.qolo.adapter import check_signature, delivery, signature
from kyc.providers.registry import get_provider
from kyc.webhooks.processing import webhooks_drain
from kyc.webhooks.views import webhook_path
from tests.qolo.conftest import CHALLENGED_SSN, submitted
from tests.support.waiting import wait_for

State = WebhookEvent.State
PATH = webhook_path("qolo")
# A fixed vector, computed once with `openssl dgst -sha256 -hmac` (not with our code).
VECTOR_SECRET = "tests-webhook-secret"
VECTOR_BODY = b'{"event_type":"person.verification.success","data":{"person_guid":"p-1"}}'
VECTOR_SIGNATURE = "c0d3c6e68bcd301761c14e8512487a7070190a623b0deea6092a9d48decb724c"


def test_the_signature_matches_the_fixed_vector() -> None:
    assert signature(VECTOR_SECRET, VECTOR_BODY) == VECTOR_SIGNATURE
    check_signature(
        {"x-qolo-signature": VECTOR_SIGNATURE.upper()}, VECTOR_BODY, secret=VECTOR_SECRET
    )


@pytest.mark.parametrize(
    "body",
    [
        {"event_type": "person.updated", "person_guid": "p-1"},
        {"event_type": "person.updated", "data": {"person_guid": "p-1"}},
        {"event_type": "person.updated", "data": {"person_details": {"person_guid": "p-1"}}},
    ],
    ids=["flat", "data", "nested"],
)
def test_the_person_is_found_wherever_the_payload_keeps_it(body: dict[str, Any]) -> None:
    event = delivery(json.dumps(body).encode()).first
    assert (event.subject, event.entity_id, event.outcome) == ("verification", "p-1", None)


def test_a_delivery_naming_no_person_is_kept_and_ignored() -> None:
    assert delivery(b'{"event_type": "ping"}').first.subject == "ignored"


def post(body: bytes, signature_value: str | None) -> Any:
    headers = {"x-qolo-signature": signature_value} if signature_value is not None else {}
    return Client().post(PATH, data=body, content_type="application/json", headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given", [None, "", "00" * 32, "not-hex"], ids=["missing", "empty", "wrong", "garbage"]
)
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(qolo: Any, given: Any) -> None:
    verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    before = AuditEvent.objects.filter(verification=verification).count()
    body = json.dumps(
        {
            "event_type": "person.verification.success",
            "person_guid": verification.provider_customer_id,
        }
    ).encode()
    assert post(body, given).status_code == 401
    assert WebhookEvent.objects.get().state == State.INVALID
    webhooks_drain()
    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED
    assert AuditEvent.objects.filter(verification=verification).count() == before


@pytest.mark.django_db
def test_a_signed_hint_refetches_and_a_duplicate_collapses(qolo: Any) -> None:
    verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    qolo.decide(verification.provider_customer_id, "CLEARED")  # decided at Qolo, not here
    body = json.dumps(
        {"event_type": "person.updated", "data": {"person_guid": verification.provider_customer_id}}
    ).encode()
    signed = signature(settings.QOLO_WEBHOOK_SECRET, body)
    assert post(body, signed).status_code == 200
    assert post(body, signed).status_code == 200
    assert sorted(WebhookEvent.objects.values_list("state", flat=True)) == [
        State.DUPLICATE,
        State.QUEUED,
    ]
    webhooks_drain()
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


@pytest.mark.django_db(transaction=True)
def test_the_emulator_signs_its_deliveries_and_they_verify_the_applicant(
    qolo: Any, live_server: Any
) -> None:
    get_provider("qolo").register_webhook(live_server.url + PATH)
    verification: Verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    qolo.decide(verification.provider_customer_id, "CLEARED")
    # Every delivery made (the subscription's ping included) reached our intake and was
    # answered; a worker of the suite may be draining them too: until none waits.
    sent = wait_for(
        qolo.deliveries,
        lambda found: bool(found) and all(d["status"] == "delivered" for d in found),
    )
    wait_for(WebhookEvent.objects.count, lambda count: count >= len(sent))
    wait_for(
        lambda: (webhooks_drain(), WebhookEvent.objects.filter(state=State.QUEUED).exists())[1],
        lambda waiting: not waiting,
    )
    rows = list(WebhookEvent.objects.all())
    assert "person.verification.success" in {row.event_type for row in rows}
    assert not [row for row in rows if row.state == State.INVALID]
    assert all("x-qolo-signature" in {h.lower() for h in row.headers} for row in rows)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


@pytest.mark.django_db(transaction=True)
def test_registered_once_we_are_up_the_subscription_is_active(
    qolo: Any, live_server: Any, settings: Any
) -> None:
    # Qolo pings a URL when it is registered and deactivates it without a 200 [WHP]: the
    # command waits for our own /healthz first (`make run` starts it beside the server).
    from django.core.management import call_command

    from kyc.providers.qolo.client import QoloClient

    settings.PUBLIC_BASE_URL = live_server.url
    call_command("kyc_register_webhook", "--provider", "qolo", "--when-up", "--wait", "10")
    (subscription,) = QoloClient.from_settings().list_webhooks()
    assert subscription.url == live_server.url + PATH
    assert subscription.active is True
    wait_for(
        qolo.deliveries,
        lambda found: bool(found) and all(d["status"] == "delivered" for d in found),
    )
