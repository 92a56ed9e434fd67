"""Fixtures for the journey's tests: users, and verifications built through the real services."""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from kyc.models import Document, Submission, Verification
from kyc.services.customers import (
    route_fields,
    verification_create_customer,
    verification_save_profile,
)
from kyc.services.documents import document_store
from kyc.services.submissions import submission_create
from onboarding.celery import app as celery_app
from tests.support import builders, images

PASSWORD = "correct-horse-battery-staple"


def mobile() -> str:
    """A valid Indian mobile number, never one of the emulator's magic values."""
    return "+91 9" + "".join(random.choice("123456789") for _ in range(9))


def profile_data(**overrides: Any) -> dict[str, Any]:
    """What a person types in the profile form."""
    values: dict[str, Any] = {
        "full_name": "Asha Rao",
        "email": f"asha-{uuid.uuid4().hex[:8]}@example.com",
        "phone": mobile(),
        "nationality": "IND",
        "residence_country": "",
    }
    return values | overrides


def make_user(email: str | None = None) -> Any:
    email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
    return get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)


def created_verification(user: Any, **overrides: Any) -> Verification:
    """A verification whose customer exists at the emulator (the profile step done)."""
    data = profile_data(**overrides)
    data["phone"] = "+" + "".join(ch for ch in data["phone"] if ch.isdigit())
    data.setdefault("non_resident", bool(data.get("residence_country")))
    verification = verification_save_profile(user=user, profile=data)
    outcome = verification_create_customer(verification_id=verification.pk)
    assert outcome.created, outcome
    verification.refresh_from_db()
    return verification


def store(verification: Verification, kind: str, content: bytes) -> Document:
    return document_store(verification=verification, kind=kind, upload=io.BytesIO(content))


def accepted_documents(verification: Verification) -> dict[str, int]:
    documents = {
        Document.Kind.FRONT: store(verification, Document.Kind.FRONT, images.jpeg()),
        Document.Kind.BACK: store(verification, Document.Kind.BACK, images.png()),
        Document.Kind.SELFIE: store(verification, Document.Kind.SELFIE, images.jpeg()),
    }
    assert all(d.state == Document.State.ACCEPTED for d in documents.values())
    return {kind: document.pk for kind, document in documents.items()}


@pytest.fixture
def user(db: Any) -> Any:
    return make_user()


@pytest.fixture
def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run in the test's process when sent (a Celery setting, not a stand-in)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


def local_verification(user: Any, **fields: Any) -> Verification:
    """A verification whose customer exists, made without calling the provider: for pages
    that only read state. Status changes then go through the real status service."""
    values: dict[str, Any] = {
        "full_name": "Asha Rao",
        "email": user.email,
        "phone": "+919876543210",
        "nationality": "IND",
        **route_fields("dollarpe"),
        "customer_state": "created",
        "provider_customer_id": str(uuid.uuid4()),
    }
    return Verification.objects.create(user=user, **(values | fields))


def submitted_verification(user: Any, **kyc: Any) -> Verification:
    """Profile, documents and the first submission sent to the emulator (in this process, or
    by the worker of the browser tests' app when it took the task first: then waited for)."""

    verification = created_verification(user)
    data = {
        "full_name": verification.full_name,
        "phone": verification.phone,
        "full_address": "12 MG Road, Bengaluru 560001, India",
        "dob": "1990-04-01",
        "tax_number": "ABCPE1234F",
        "document_type": "PASSPORT",
        "document_number": "J8369854",
        "additional_info": {"income_range": "5-10L", "profession": "Engineer"},
        "documents": accepted_documents(verification),
    } | kyc
    submission = builders.sent(
        submission_create(verification=verification, kind="initial", data=data, actor=user)
    )
    assert submission.state == Submission.State.SENT, submission.last_error
    verification.refresh_from_db()
    return verification


def verified_verification(user: Any, emulator: Any) -> Verification:
    """A customer the emulator verified, with the decision applied here by a status refresh."""
    from kyc.services.polling import verification_refresh

    verification = submitted_verification(user)
    emulator.decide(verification.provider_customer_id)
    verification_refresh(verification_id=verification.pk, source="system")
    verification.refresh_from_db()
    assert verification.status == "VERIFIED", verification.status
    return verification


def post_with_errors(client: Client, url: str, data: dict[str, Any]) -> Any:
    """A form posted with errors is shown by a GET of the same page (POST-redirect-GET):
    the page that answers it, with the errors and what was typed."""
    response = client.post(url, data)
    assert response.status_code == 303, response.status_code
    assert response["Location"] == url
    return client.get(url)
