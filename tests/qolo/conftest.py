"""Qolo applicants built through the real services, against the Qolo emulator."""

from __future__ import annotations

import uuid
from typing import Any

from kyc.models import Document, Submission, Verification
from kyc.services.customers import verification_save_profile
from kyc.services.submissions import submission_create
from tests.onboarding.conftest import eager_tasks  # noqa: F401 - a fixture, shared
from tests.support import builders, images

# The emulator's magic endings (emulator-only, README): an identification ending 1111 is
# challenged with questions, one ending 0000 fails the electronic ID check.
SSN = "123-45-6789"
CHALLENGED_SSN = "123-45-1111"


def profile(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "given_name": "Mary",
        "family_name": "Jackson",
        "full_name": "Mary Jackson",
        "email": f"mary-{uuid.uuid4().hex[:10]}@example.com",
        "phone": "+14155550123",
        "nationality": "USA",
        "non_resident": False,
        "residence_country": "",
    }
    return values | overrides


def saved(**overrides: Any) -> Verification:
    """Saved only: Qolo's person is created by the first submission (DEFERRED here)."""
    return verification_save_profile(user=builders.new_user(), profile=profile(**overrides))


def kyc_data(verification: Verification, **overrides: Any) -> dict[str, Any]:
    """What the details form sends, with the photos Qolo takes uploaded and checked."""
    documents = {
        kind: builders.document(verification, kind, content).pk
        for kind, content in (
            (Document.Kind.FRONT, images.jpeg()),
            (Document.Kind.BACK, images.png()),
            (Document.Kind.SELFIE, images.jpeg()),
        )
    }
    values: dict[str, Any] = {
        "full_name": verification.full_name,
        "phone": verification.phone,
        "address": {
            "line1": "1200 Market Street",
            "line2": "",
            "city": "San Francisco",
            "region": "CA",
            "postal_code": "94102",
            "country": "USA",
        },
        "dob": "1985-03-09",
        "tax_number": SSN.replace("-", ""),
        "document_type": "PASSPORT",
        "document_number": "567812345",
        "documents": documents,
    }
    return values | overrides


def submitted(verification: Verification | None = None, **data: Any) -> Verification:
    """The first submission, made and sent as the journey does; the row read again."""
    verification = verification or saved()
    submission = submission_create(
        verification=verification,
        kind=Submission.Kind.INITIAL,
        data=kyc_data(verification, **data),
        actor=verification.user,
    )
    builders.sent(submission)
    verification.refresh_from_db()
    return verification
