"""Webhook events in the admin: raw and read-only, secrets hidden, reprocess for officers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kyc.models import AuditEvent, WebhookEvent
from tests.admin.conftest import verification_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_event(db):
    verification = verification_row()
    customer_id = str(verification.provider_customer_id)
    body = {"type": "CUSTOMER", "id": customer_id, "event": "VERIFIED"}
    return WebhookEvent.objects.create(
        provider="dollarpe",
        headers={"X-SIGNATURE": "a1b2c3d4e5f6a7b8c9d0", "X-TIMESTAMP": "1790000000"},
        body=json.dumps(body),
        state=WebhookEvent.State.FAILED,
        error="database was restarting",
        dedupe_key=f"CUSTOMER:{customer_id}:VERIFIED:2026",
        event_type="CUSTOMER",
        entity_id=customer_id,
        event="VERIFIED",
        verification=verification,
    )


def test_the_event_page_shows_body_state_and_error_but_not_the_signature(
    viewer_client, failed_event
):
    url = reverse("admin:kyc_webhookevent_change", args=[failed_event.pk])
    page = viewer_client.get(url).content.decode()
    assert "database was restarting" in page
    assert "Processing failed" in page
    assert "&quot;event&quot;: &quot;VERIFIED&quot;" in page
    assert "valid" in page
    assert "a1b2c3d4e5f6a7b8c9d0" not in page
    assert "1790000000" in page
    assert "Reprocess this event" not in page  # a viewer runs nothing
    reprocess = reverse("admin:kyc_webhookevent_reprocess", args=[failed_event.pk])
    assert viewer_client.post(reprocess).status_code == 403


def test_an_officer_reprocesses_a_failed_event(officer_client, officer, failed_event):
    url = reverse("admin:kyc_webhookevent_change", args=[failed_event.pk])
    assert "Reprocess this event" in officer_client.get(url).content.decode()
    reprocess = reverse("admin:kyc_webhookevent_reprocess", args=[failed_event.pk])
    response = officer_client.post(reprocess, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"Event {failed_event.pk} queued for processing again."
    ]
    failed_event.refresh_from_db()
    assert failed_event.state == WebhookEvent.State.QUEUED
    audit = AuditEvent.objects.get(action="webhook_reprocess")
    assert (audit.actor, audit.source) == (officer, "staff")


def test_reprocessing_an_invalid_request_is_refused(officer_client, failed_event):
    WebhookEvent.objects.filter(pk=failed_event.pk).update(state=WebhookEvent.State.INVALID)
    response = officer_client.post(
        reverse("admin:kyc_webhookevent_changelist"),
        {"action": "reprocess_selected", "_selected_action": [failed_event.pk]},
        follow=True,
    )
    assert "An invalid request is never processed." in response.content.decode()
    failed_event.refresh_from_db()
    assert failed_event.state == WebhookEvent.State.INVALID


def test_the_event_list_is_read_only(officer_client, failed_event):
    page = officer_client.get(reverse("admin:kyc_webhookevent_changelist")).content.decode()
    assert "CUSTOMER" in page
    assert "/admin/kyc/webhookevent/add/" not in page
    url = reverse("admin:kyc_webhookevent_change", args=[failed_event.pk])
    assert officer_client.post(url, {"state": "processed"}).status_code == 403
