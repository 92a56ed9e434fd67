"""Staff record our own verification at Qolo (client_verification): permission-gated,
confirmed on a page of its own, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kyc.models import AuditEvent, Status
from tests.admin.conftest import ROLES
from tests.admin.conftest import staff_client as client_of
from tests.qolo.conftest import CHALLENGED_SSN, submitted

pytestmark = pytest.mark.django_db


def url(verification: Any) -> str:
    return reverse("admin:kyc_verification_staff_action", args=[verification.pk, "client_override"])


FORM = {
    "verifier": "Acme Verify",
    "reference": "AV-2026-0042",
    "level": "CDD",
    "verified_on": "2026-11-30",
    "confirm": "yes",
}


def test_an_officer_confirms_and_qolo_clears_the_person(qolo: Any) -> None:
    verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    officer, member = client_of(ROLES.OFFICER)
    change = reverse("admin:kyc_verification_change", args=[verification.pk])
    assert "Record our own verification" in officer.get(change).content.decode()
    page = officer.get(url(verification)).content.decode()
    assert 'name="reference"' in page
    assert "Yes, record our verification" in page
    assert not [
        r for r in qolo.requests(method="POST") if "client_verification" in (r.get("body") or {})
    ]

    response = officer.post(url(verification), FORM, follow=True)
    assert "Recorded. Status is now" in response.content.decode()
    (sent,) = [
        r for r in qolo.requests(method="POST") if "client_verification" in (r.get("body") or {})
    ]
    attestation = sent["body"]["client_verification"]
    assert attestation["verification_provider"] == "Acme Verify"
    assert attestation["verification_provider_refnumber"] == "AV-2026-0042"
    assert attestation["verification_level"] == "CDD"
    assert attestation["verification_datetime"].startswith("2026-11-30")
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    audit = AuditEvent.objects.get(verification=verification, action="client_override")
    assert audit.actor == member
    assert "AV-2026-0042" in audit.note


def test_a_viewer_cannot_and_an_incomplete_form_sends_nothing(qolo: Any) -> None:
    verification = submitted(tax_number=CHALLENGED_SSN.replace("-", ""))
    viewer, _member = client_of(ROLES.VIEWER)
    assert viewer.post(url(verification), FORM).status_code == 403
    officer, _other = client_of(ROLES.OFFICER)
    officer.post(url(verification), {**FORM, "reference": " "})
    officer.post(url(verification), {**FORM, "verified_on": "2999-01-01"})
    officer.post(url(verification), {**FORM, "verified_on": "yesterday"})
    assert not [
        r for r in qolo.requests(method="POST") if "client_verification" in (r.get("body") or {})
    ]
    verification.refresh_from_db()
    assert verification.status == Status.ACTION_REQUIRED
    assert not AuditEvent.objects.filter(action="client_override")
