"""Rebilly applicants built through the real services, against the Rebilly emulator."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import requests

from kyc.models import Verification, WebhookEvent
from kyc.services.customers import verification_create_customer, verification_save_profile
from kyc.services.hosted import HandOff, verification_hand_off
from kyc.services.polling import verification_refresh
from kyc.webhooks.processing import webhooks_drain
from sandbox.rebilly.process import RebillyEmulatorProcess
from tests.onboarding.conftest import eager_tasks  # noqa: F401 - a fixture, shared
from tests.support import builders
from tests.support.waiting import wait_for

RETURN_URL = "http://testserver/verify/return/"


def profile(**overrides: Any) -> dict[str, Any]:
    """What the profile step collects for Rebilly: the name split, and the date of birth."""
    values: dict[str, Any] = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "full_name": "Ada Lovelace",
        "date_of_birth": date(1990, 5, 17),
        "email": f"ada-{uuid.uuid4().hex[:10]}@example.com",
        "phone": "+14155550100",
        "nationality": "USA",
        "non_resident": False,
        "residence_country": "",
    }
    return values | overrides


def applicant(**overrides: Any) -> Verification:
    """A Rebilly customer created at the emulator (UNVERIFIED, no KYC request yet)."""
    verification = verification_save_profile(user=builders.new_user(), profile=profile(**overrides))
    outcome = verification_create_customer(verification_id=verification.pk)
    assert outcome.created, outcome.errors
    verification.refresh_from_db()
    return verification


def hand_off(verification: Verification) -> HandOff:
    return verification_hand_off(
        verification_id=verification.pk, return_url=RETURN_URL, actor=verification.user
    )


def api(emulator: RebillyEmulatorProcess, method: str, path: str, **options: Any) -> Any:
    """The emulator's API as our client sees it (for what a test must read back)."""
    response = requests.request(
        method,
        emulator.api_base + path,
        headers={"REB-APIKEY": emulator.api_key},
        timeout=10,
        **options,
    )
    response.raise_for_status()
    return response.json() if response.content else None


def requests_of(emulator: RebillyEmulatorProcess, customer_id: str) -> list[dict[str, Any]]:
    return list(
        api(emulator, "GET", "/kyc-requests", params={"filter": f"customerId:{customer_id}"})
    )


def documents_of(emulator: RebillyEmulatorProcess, request_id: str) -> list[dict[str, Any]]:
    return list(
        api(emulator, "GET", "/kyc-documents", params={"filter": f"requestId:{request_id}"})
    )


def decided(emulator: RebillyEmulatorProcess, request_id: str) -> list[dict[str, Any]]:
    """The request's documents once none is being analysed any more."""
    return wait_for(
        lambda: documents_of(emulator, request_id),
        lambda docs: bool(docs) and all(d["status"] != "in-progress" for d in docs),
    )


def uploaded(
    emulator: RebillyEmulatorProcess, verification: Verification, gatherer: str, outcomes: dict
) -> Verification:
    """The applicant sends documents in the gatherer; once Rebilly decided, we ask it."""
    emulator.gatherer_submit(gatherer, outcomes)
    verification.refresh_from_db()
    decided(emulator, verification.provider_case_id)
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    return verification


def delivered(emulator: RebillyEmulatorProcess) -> int:
    """Wait until the emulator has delivered everything it sent, each stored by our intake
    (it records a delivery after our answer reached it); how many there were."""
    sent = wait_for(
        emulator.deliveries,
        lambda found: bool(found) and all(d["status"] == "delivered" for d in found),
    )
    wait_for(WebhookEvent.objects.count, lambda count: count >= len(sent))
    return len(sent)


def drained(verification: Verification) -> Verification:
    """Apply every stored delivery now (what the drain task does: a worker of the suite may
    be draining them too, so until none waits), and read the row again."""
    wait_for(
        lambda: (webhooks_drain(), WebhookEvent.objects.filter(state="queued").exists())[1],
        lambda waiting: not waiting,
    )
    verification.refresh_from_db()
    return verification
