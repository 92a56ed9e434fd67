"""The back office offers what the verification's provider can do, and nothing else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kyc.models import AuditEvent, Verification
from kyc.services.customers import route_fields
from tests.admin.conftest import verification_row
from tests.support import second_provider

pytestmark = pytest.mark.django_db


def change_url(verification: Verification) -> str:
    return reverse("admin:kyc_verification_change", args=[verification.pk])


def action_url(verification: Verification, action: str) -> str:
    return reverse("admin:kyc_verification_staff_action", args=[verification.pk, action])


@pytest.fixture(autouse=True)
def acme(settings):
    second_provider.enable(settings)


def test_dollarpe_offers_reset_and_its_sandbox_outcomes(officer_client, settings):
    verification = verification_row(status="FAILED", failure_reason="tax_number")
    page = officer_client.get(change_url(verification)).content.decode()
    assert action_url(verification, "reset") in page
    assert '<option value="TAX_VERIFICATION_FAILED">' in page  # its own outcomes
    assert "HMAC signature with a timestamp" in page  # what its webhooks prove
    settings.DOLLARPE_SANDBOX = False  # DollarPe's own flag, not a global one
    page = officer_client.get(change_url(verification)).content.decode()
    assert action_url(verification, "force_outcome") not in page
    assert officer_client.post(action_url(verification, "force_outcome")).status_code == 403


def test_a_provider_without_reset_or_sandbox_outcomes_is_offered_neither(officer_client):
    verification = verification_row(**route_fields("acme"), provider_customer_id="acme-1")
    verification.customer_state = "created"
    verification.save()
    page = officer_client.get(change_url(verification)).content.decode()
    assert action_url(verification, "refresh") in page
    assert action_url(verification, "reset") not in page
    assert action_url(verification, "force_outcome") not in page
    assert "HTTP Basic credentials" in page
    assert "0 (no limit of ours)" in page  # corrections: the provider enforces its own
    assert (
        officer_client.post(action_url(verification, "reset"), {"confirm": "yes"}).status_code
        == 403
    )


def test_an_officer_sends_an_applicant_to_another_provider_before_it_has_them(
    officer_client, officer
):
    waiting = verification_row(provider_customer_id=None, customer_state="pending")
    page = officer_client.get(change_url(waiting)).content.decode()
    assert action_url(waiting, "reroute") in page
    assert '<option value="acme">Acme KYC</option>' in page
    response = officer_client.post(
        action_url(waiting, "reroute"), {"provider": "acme"}, follow=True
    )
    assert "Now with Acme KYC." in [str(m) for m in response.context["messages"]]
    waiting.refresh_from_db()
    assert (waiting.provider, waiting.routed_by) == ("acme", "staff")
    audit = AuditEvent.objects.get(verification=waiting, action="rerouted")
    assert audit.actor == officer
    created = verification_row()  # the provider has this one
    assert (
        action_url(created, "reroute")
        not in officer_client.get(change_url(created)).content.decode()
    )
    assert (
        officer_client.post(action_url(created, "reroute"), {"provider": "acme"}).status_code == 403
    )


def test_a_viewer_may_not_reroute(viewer_client):
    waiting = verification_row(provider_customer_id=None, customer_state="pending")
    assert (
        action_url(waiting, "reroute")
        not in viewer_client.get(change_url(waiting)).content.decode()
    )
    assert (
        viewer_client.post(action_url(waiting, "reroute"), {"provider": "acme"}).status_code == 403
    )


def test_a_provider_no_longer_configured_stays_readable(officer_client, settings):
    gone = verification_row(**route_fields("acme"), provider_customer_id="acme-9")
    settings.KYC_PROVIDER_BACKENDS = {}
    settings.KYC_PROVIDERS = ["dollarpe"]
    response = officer_client.get(change_url(gone))
    assert response.status_code == 200
    page = response.content.decode()
    assert "acme is no longer a configured provider." in page
    assert action_url(gone, "refresh") not in page
