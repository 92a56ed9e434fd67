"""Webhooks of a provider that authenticates with an Authorization header (HTTP Basic).

The credential is checked once, at intake, and never stored; processing reads only the
stored body, so a delivery authenticated that way is processed all the same. One
delivery may carry several events, and event names longer than DollarPe's fit.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from kyc.models import AuditEvent, Status, Verification, WebhookEvent
from kyc.services.customers import route_fields
from kyc.webhooks.processing import webhook_process, webhooks_drain
from kyc.webhooks.views import webhook_path
from tests.support import builders, second_provider
from tests.support.broker import queued_tasks

pytestmark = pytest.mark.django_db
State = WebhookEvent.State
LONG_EVENT = "kyc-request-partially-fulfilled"  # 31 characters (Rebilly's)


@pytest.fixture(autouse=True)
def acme(settings: Any) -> None:
    second_provider.enable(settings)


def applicant(**fields: Any) -> Verification:
    values = {
        "user": builders.new_user(),
        "full_name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+14155550100",
        "nationality": "USA",
        **route_fields(second_provider.NAME),
        "customer_state": "created",
        "provider_customer_id": f"acme-{uuid.uuid4().hex}",
        "status": Status.PROCESSING,
    }
    return Verification.objects.create(**(values | fields))


def delivery(*events: dict[str, Any], revision: int = 1) -> bytes:
    return json.dumps({"id": "dlv-1", "revision": revision, "events": list(events)}).encode()


def event(verification: Verification, status: str = Status.VERIFIED, **more: Any) -> dict[str, Any]:
    customer = verification.provider_customer_id
    return {"type": LONG_EVENT, "customer": customer, "status": status, **more}


def post(body: bytes, authorization: str | None = second_provider.basic_auth()) -> Any:
    headers = {"Authorization": authorization} if authorization else {}
    return Client().post(
        webhook_path(second_provider.NAME),
        data=body,
        content_type="application/json",
        headers={**headers, "X-Request-Id": "r-1"},
    )


def test_a_basic_auth_delivery_is_processed_and_its_credential_never_stored():
    verification = applicant()
    response = post(delivery(event(verification)))
    assert response.status_code == 200
    row = WebhookEvent.objects.get()
    assert {name.lower() for name in row.headers} >= {"x-request-id", "content-type"}
    assert "authorization" not in {name.lower() for name in row.headers}
    assert second_provider.PASSWORD not in json.dumps(row.headers) + row.body
    assert row.event_type == LONG_EVENT  # whole: the column holds 50 characters
    assert webhook_process(event_id=row.pk) == State.PROCESSED  # no credential needed now
    verification.refresh_from_db()
    assert (verification.status, verification.provider_status) == (Status.VERIFIED, LONG_EVENT)
    applied = AuditEvent.objects.get(verification=verification, action="status_changed")
    assert applied.note == f"webhook delivery {row.pk}"


@pytest.mark.parametrize(
    "authorization",
    [None, second_provider.basic_auth(password="guess"), "Bearer " + second_provider.PASSWORD],
    ids=["missing", "wrong-password", "another-scheme"],
)
def test_without_the_right_credential_it_is_kept_as_invalid_and_changes_nothing(authorization):
    verification = applicant()
    response = post(delivery(event(verification)), authorization)
    assert response.status_code == 401
    row = WebhookEvent.objects.get()
    assert row.state == State.INVALID
    assert "authorization" not in {name.lower() for name in row.headers}
    assert webhook_process(event_id=row.pk) == State.INVALID  # never processed
    verification.refresh_from_db()
    assert verification.status == Status.PROCESSING


def test_one_delivery_may_report_several_things():
    first, second, stranger = applicant(), applicant(), "acme-nobody"
    body = delivery(
        event(first, Status.VERIFIED),
        event(second, Status.FAILED, reason="identity_document"),
        {"type": LONG_EVENT, "customer": stranger, "status": Status.VERIFIED},
    )
    assert post(body).status_code == 200
    row = WebhookEvent.objects.get()
    assert webhook_process(event_id=row.pk) == State.PROCESSED
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.VERIFIED
    assert (second.status, second.failure_reason) == (Status.FAILED, "identity_document")
    row.refresh_from_db()
    assert row.verification_id == first.pk
    assert row.error == "no verification has this provider customer id"  # the stranger's


def test_an_older_revision_delivered_late_does_not_override_a_newer_one():
    verification = applicant()
    newer = delivery(event(verification, Status.FAILED, reason="selfie", revision=5), revision=5)
    older = delivery(event(verification, Status.VERIFIED, revision=4), revision=4)
    for body in (newer, older):
        assert post(body).status_code == 200
    for row in WebhookEvent.objects.order_by("pk"):
        assert webhook_process(event_id=row.pk) == State.PROCESSED
    verification.refresh_from_db()
    assert (verification.status, verification.failure_reason) == (Status.FAILED, "selfie")
    late = WebhookEvent.objects.order_by("pk")[1]
    assert "older revision" in late.error


def test_the_same_delivery_twice_is_applied_once():
    verification = applicant()
    body = delivery(event(verification))
    assert post(body).status_code == 200
    assert post(body).status_code == 200
    states = list(WebhookEvent.objects.order_by("pk").values_list("state", flat=True))
    assert states == [State.QUEUED, State.DUPLICATE]


def test_a_provider_that_is_not_enabled_has_no_webhook_url(settings):
    settings.KYC_PROVIDERS = ["dollarpe"]
    assert post(delivery()).status_code == 404
    assert not WebhookEvent.objects.exists()
    assert (
        Client().post("/webhooks/nobody/", data=b"{}", content_type="application/json").status_code
        == 404
    )


def test_a_delivery_that_only_says_something_changed_asks_the_provider():
    verification = applicant()
    assert (
        post(
            delivery(
                {
                    "type": "person.updated",
                    "customer": verification.provider_customer_id,
                    "status": None,
                }
            )
        ).status_code
        == 200
    )
    assert webhook_process(event_id=WebhookEvent.objects.get().pk) == State.PROCESSED
    verification.refresh_from_db()
    assert (verification.status, verification.provider_status) == (Status.VERIFIED, "cleared")


def test_when_the_provider_cannot_answer_the_delivery_is_retried_by_its_own_task(private_queue):
    verification = applicant()
    body = delivery(
        {"type": "person.updated", "customer": verification.provider_customer_id, "status": None}
    )
    assert post(body).status_code == 200
    row = WebhookEvent.objects.get()
    with second_provider.unreachable():
        webhooks_drain()  # the drain goes on; this row goes to a retrying task of its own
    row.refresh_from_db()
    assert (row.state, row.error) == (
        State.FAILED,
        "TransientProviderError: connection failed (ConnectionError)",
    )
    assert queued_tasks(private_queue) == ["kyc.tasks.process_webhook"]
    assert webhook_process(event_id=row.pk) == State.PROCESSED  # what that task does
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED


def test_a_providers_credential_header_is_never_stored_either():
    verification = applicant()
    response = Client().post(
        webhook_path(second_provider.NAME),
        data=delivery(event(verification)),
        content_type="application/json",
        headers={"Authorization": second_provider.basic_auth(), "X-Acme-Shared-Secret": "k-123"},
    )
    assert response.status_code == 200
    stored = json.dumps(WebhookEvent.objects.get().headers).lower()
    assert "x-acme-shared-secret" not in stored
    assert "k-123" not in stored
