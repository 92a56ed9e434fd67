"""The audit trail in words: every action the code records has a label, statuses and case
states on a transition read as words, in the list, its filter and a verification's trail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from kyc.admin.audit_words import ACTION_WORDS, action_words
from kyc.models import AuditEvent, CaseState, Status
from kyc.services import cases
from tests.admin.conftest import verification_row

ROOT = Path(__file__).resolve().parents[2]
AUDIT = reverse("admin:kyc_auditevent_changelist")
# f-string actions and what they expand to
TEMPLATES = {
    "staff_decision_{decision}": ["staff_decision_approved", "staff_decision_rejected"],
    "document_{verb}": ["document_accepted", "document_rejected"],
    "document_{verb}_failed": ["document_accepted_failed", "document_rejected_failed"],
}


def recorded_actions() -> set[str]:
    """Every action code written in kyc/ and onboarding/ (audit_record(action=...), the
    services' own _audit helpers and the refusals they record)."""
    found: set[str] = set()
    for path in [*ROOT.joinpath("kyc").rglob("*.py"), *ROOT.joinpath("onboarding").rglob("*.py")]:
        if {"migrations", "management"} & set(path.parts) or path.name == "audit_words.py":
            continue
        text = path.read_text()
        for code in re.findall(r'action=f?"([a-z_{}]+)"', text):
            found.update(TEMPLATES.get(code, [code]))
        for code in re.findall(r'_audit(?:_each)?\([^)]*?"([a-z]+_[a-z_]+)"', text):
            found.add(code)
        for code in re.findall(r'_provider_failed\([^)]*?f?"([a-z_{}]+)"', text):
            found.update(TEMPLATES.get(code, [code]))
    return found - {"staff"}  # a source, caught by the loose pattern


def test_every_recorded_action_has_words():
    actions = recorded_actions()
    assert len(actions) > 50
    assert sorted(actions - set(ACTION_WORDS)) == []


def test_an_unknown_action_shows_its_code():
    assert action_words("something_new") == "something_new"


@pytest.mark.django_db
def test_the_audit_list_and_the_trail_read_as_words(officer_client, officer):
    verification = verification_row(status=Status.PROCESSING, case_state=CaseState.OPEN)
    assert cases.case_claim(verification=verification, actor=officer).done
    page = officer_client.get(AUDIT).content.decode()
    assert "Case claimed" in page
    assert "Open → In review" in page
    assert "case_claimed" not in page.replace('audit_action=case_claimed"', "")  # only links
    assert 'href="?audit_action=case_claimed"' in page  # the filter keeps the code
    change = officer_client.get(
        reverse("admin:kyc_verification_change", args=[verification.pk])
    ).content.decode()
    assert "Case claimed" in change
    assert "Open → In review" in change
    with translation.override("hi"):
        assert action_words("case_claimed") == "केस लिया गया"
    event = AuditEvent.objects.get(action="case_claimed")
    assert event.to_status == CaseState.IN_REVIEW
