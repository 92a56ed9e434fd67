"""Fixtures for the back-office tests: the two roles from the data migration, and rows."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kyc.models import ApprovalRequest, BankAccount, Submission, Verification
from kyc.services.customers import route_fields
from onboarding.celery import app as celery_app

PASSWORD = "officer-password-for-tests"
ROLES = importlib.import_module("kyc.migrations.0003_compliance_groups")
REROUTE = importlib.import_module("kyc.migrations.0007_neutral_reasons")
DOCUMENTS = importlib.import_module("kyc.migrations.0008_provider_documents")
OVERRIDE = importlib.import_module("kyc.migrations.0009_client_override_permission")
DOCUMENT_REVIEW = importlib.import_module("kyc.migrations.0016_document_review")
CASES = importlib.import_module("kyc.migrations.0018_case_queues")
FOUR_EYES = importlib.import_module("kyc.migrations.0019_holds_decisions_four_eyes")


def ensure_roles() -> None:
    """The groups as the data migrations make them (again after a flush: they are idempotent)."""
    ROLES.ensure_groups(django_apps)
    REROUTE._officer_may_reroute(django_apps)
    DOCUMENTS.grant(django_apps)
    OVERRIDE.grant(django_apps)
    DOCUMENT_REVIEW.grant(django_apps)
    CASES.grant(django_apps)
    FOUR_EYES.grant(django_apps)


def staff_member(group: str, username: str | None = None) -> Any:
    ensure_roles()
    user = get_user_model().objects.create_user(
        username=username or f"staff-{uuid.uuid4().hex[:8]}",
        email=f"{uuid.uuid4().hex[:8]}@staff.example",
        password=PASSWORD,
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def staff_client(group: str) -> tuple[Client, Any]:
    """A test client logged in as a new member of `group`, and that member."""
    member = staff_member(group)
    client = Client()
    client.force_login(member)
    return client, member


@pytest.fixture
def officer(db: Any) -> Any:
    return staff_member(ROLES.OFFICER)


@pytest.fixture
def viewer(db: Any) -> Any:
    return staff_member(ROLES.VIEWER)


@pytest.fixture
def officer_client(officer: Any) -> Client:
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def second_officer(db: Any) -> Any:
    """Another officer: four eyes (kyc/services/approvals.py) needs two."""
    return staff_member(ROLES.OFFICER)


@pytest.fixture
def second_officer_client(second_officer: Any) -> Client:
    client = Client()
    client.force_login(second_officer)
    return client


def approve_pending(client: Client) -> list[str]:
    """The newest pending request approved (and so run) by `client`'s officer; the messages."""
    request = ApprovalRequest.objects.filter(state=ApprovalRequest.State.PENDING).latest("pk")
    url = reverse("admin:kyc_approvalrequest_decide", args=[request.pk])
    response = client.post(url, {"decision": "approve"}, follow=True)
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def viewer_client(viewer: Any) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run in this process when sent (a Celery setting, not a stand-in)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


def verification_row(**fields: Any) -> Verification:
    """A verification row as the services leave it, written directly (no provider needed)."""
    name = uuid.uuid4().hex[:10]
    user = get_user_model().objects.create_user(username=f"u-{name}", email=f"{name}@example.com")
    values: dict[str, Any] = {
        "user": user,
        "full_name": f"Person {name}",
        "email": f"{name}@example.com",
        "phone": "+919812345678",
        "nationality": "IND",
        **route_fields("dollarpe"),
        "provider_customer_id": str(uuid.uuid4()),
        "customer_state": "created",
    }
    values.update(fields)
    changed = values.pop("status_changed_at", None)
    verification = Verification.objects.create(**values)
    if changed is not None:
        Verification.objects.filter(pk=verification.pk).update(status_changed_at=changed)
        verification.status_changed_at = changed
    return verification


def with_submission(verification: Verification, **data: Any) -> Submission:
    values = {
        "full_name": verification.full_name,
        "phone": verification.phone,
        "full_address": "12 MG Road, Bengaluru",
        "dob": "1990-08-15",
        "tax_number": "ABCPR1234K",
        "document_type": "AADHAAR",
        "document_number": "987654321012",
        "documents": {"document_front": 1, "document_back": 2, "selfie": 3},
    }
    return Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.INITIAL,
        state=Submission.State.SENT,
        data=values | data,
    )


def with_bank(verification: Verification, number: str = "123456789012") -> BankAccount:
    return BankAccount.objects.create(
        verification=verification,
        kind=BankAccount.Kind.ACCOUNT,
        account_number=number,
        ifsc="HDFC0001234",
        label=f"•••• {number[-4:]}",
        status=BankAccount.State.VERIFIED,
    )


def ago(**delta: float) -> Any:
    return timezone.now() - timedelta(**delta)
