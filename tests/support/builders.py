"""Verifications built the way the product builds them: through the real services.

A user, a saved profile, a customer created at the DollarPe emulator, real images in
the private bucket checked by `document_check`, and a submission made by
`submission_create` and sent by `submission_send`. Nothing is written to a model
directly, so what the tests start from is a state the product can reach.
"""

from __future__ import annotations

import io
import random
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from kyc.models import Document, Status, Submission, Verification
from kyc.providers.dollarpe import vocabulary as dollarpe_words
from kyc.providers.dollarpe.client import DollarPeClient
from kyc.services.customers import verification_create_customer, verification_save_profile
from kyc.services.documents import document_store
from kyc.services.status import StatusChange, verification_apply_outcome
from kyc.services.submissions import submission_create, submission_send
from kyc.webhooks.views import webhook_path
from sandbox.dollarpe.signing import compact, sign
from sandbox.dollarpe.webhooks import iso_now
from tests.support import images
from tests.support.waiting import wait_for

WEBHOOK_PATH = webhook_path("dollarpe")


def _digits(count: int) -> str:
    # Never four zeros in a row: 0000 is the emulator's magic value for a failure.
    return "".join(random.choice("123456789") for _ in range(count))


def _tax_number() -> str:
    # PAN-shaped. The emulator refuses a tax number another customer has ("KYC already in
    # use"): with 4 random digits alone, 40 customers collided about once in ten runs.
    letters = "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))
    return f"{letters}PR{_digits(4)}K"


def new_user(**extra: Any) -> AbstractBaseUser:
    name = f"user-{uuid.uuid4().hex[:10]}"
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@example.com", password=uuid.uuid4().hex, **extra
    )


def signed_in(verification: Verification | None = None) -> Any:
    """A test client logged in as the verification's user (or a new one)."""
    from django.test import Client

    client = Client()
    user: Any = verification.user if verification else new_user()
    client.force_login(user)
    return client


def profile(**overrides: Any) -> dict[str, Any]:
    """What the profile step collects; email and phone are unique at the provider."""
    values: dict[str, Any] = {
        "full_name": "Asha Rao",
        "email": f"asha-{uuid.uuid4().hex[:10]}@example.com",
        "phone": "9" + _digits(9),
        "nationality": "IND",
        "non_resident": False,
        "residence_country": "",
    }
    return values | overrides


def saved_profile(**overrides: Any) -> Verification:
    """A verification whose customer is not created yet (customer_state pending)."""
    return verification_save_profile(user=new_user(), profile=profile(**overrides))


def customer(**overrides: Any) -> Verification:
    """A verification whose customer exists at the emulator (UNVERIFIED, nothing sent)."""
    verification = saved_profile(**overrides)
    outcome = verification_create_customer(verification_id=verification.pk)
    assert outcome.created, outcome.errors
    verification.refresh_from_db()
    return verification


def document(verification: Verification, kind: str, content: bytes | None = None) -> Document:
    """A real file in the private bucket, accepted by the server-side check."""
    data = content if content is not None else images.jpeg()
    stored = document_store(verification=verification, kind=kind, upload=io.BytesIO(data))
    assert stored.state == Document.State.ACCEPTED, stored.rejection_reason
    return stored


def kyc_data(verification: Verification, **overrides: Any) -> dict[str, Any]:
    """An initial submission's data, with the three documents uploaded and checked."""
    documents = {
        kind: document(verification, kind, content).pk
        for kind, content in (
            (Document.Kind.FRONT, images.jpeg()),
            (Document.Kind.BACK, images.png()),
            (Document.Kind.SELFIE, images.jpeg()),
        )
    }
    values: dict[str, Any] = {
        "full_name": verification.full_name,
        "phone": verification.phone,
        "full_address": "12 MG Road, Bengaluru 560001",
        "dob": "1990-08-15",
        "tax_number": _tax_number(),
        "document_type": "AADHAAR",
        "document_number": _digits(12),
        "additional_info": {"income_range": "<10L", "profession": "Engineer"},
        "selfie_verification_status": True,
        "documents": documents,
    }
    return values | overrides


def queued_submission(verification: Verification, **data: Any) -> Submission:
    """The initial submission as the journey makes it (queued; its task is enqueued on commit)."""
    return submission_create(
        verification=verification,
        kind=Submission.Kind.INITIAL,
        data=kyc_data(verification, **data),
        actor=verification.user,
    )


def sent(submission: Submission) -> Submission:
    """Send it here; if a worker got to it first, wait until the worker is done."""
    submission_send(submission_id=submission.pk)
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).state,
        lambda state: state in (Submission.State.SENT, Submission.State.REJECTED),
    )
    submission.refresh_from_db()
    return submission


def processing(**overrides: Any) -> Verification:
    """A verification whose initial submission the provider accepted (PROCESSING)."""
    verification = customer(**overrides)
    submission = sent(queued_submission(verification))
    assert submission.state == Submission.State.SENT, submission.last_error
    verification.refresh_from_db()
    # The emulator decides soon after (unless auto_decision is off): it may have moved on.
    assert verification.status != Status.UNVERIFIED
    return verification


# --- webhook deliveries -------------------------------------------------------------------------
def signed_delivery(
    type: str,  # mirrors the envelope's field names
    id: str,
    event: str,
    metadata: dict[str, Any] | None = None,
    *,
    timestamp: str | None = None,
    signed_at: int | None = None,
    secret: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a delivery signed as DollarPe signs it, by the emulator's own signer."""
    payload = {
        "type": type,
        "id": id,
        "event": event,
        "timestamp": timestamp or iso_now(),
        "metadata": metadata or {},
    }
    body = compact(payload)
    at = str(signed_at if signed_at is not None else int(time.time()))
    key = settings.DOLLARPE_API_KEY
    signature = sign(key, secret or settings.DOLLARPE_API_SECRET, at, body)
    headers = {"Content-Type": "application/json", "X-TIMESTAMP": at, "X-SIGNATURE": signature}
    return body.encode(), headers


def register_webhook_url(base_url: str) -> str:
    """Point the emulator's deliveries at our intake served at `base_url`."""
    url = base_url + WEBHOOK_PATH
    DollarPeClient.from_settings().register_webhook(url)
    return url


def customer_id(verification: Verification) -> str:
    """The provider's id of a customer the builders created (never None for them)."""
    assert verification.provider_customer_id is not None
    return verification.provider_customer_id


def reported(verification: Verification, status: str, provider_reason: str = "") -> StatusChange:
    """DollarPe reports `status` (and its own reason code): applied as a webhook would be,
    through the adapter's mapping to the core's words."""
    outcome = dollarpe_words.outcome(status, provider_reason or None)
    change = verification_apply_outcome(
        verification_id=verification.pk, outcome=outcome, source="provider"
    )
    verification.refresh_from_db()
    return change
