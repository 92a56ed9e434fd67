"""Which provider verifies an applicant: rules at profile save, recorded, frozen, checked."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from kyc.models import AuditEvent, CustomerState
from kyc.services import staff
from kyc.services.customers import (
    ProfileFrozen,
    verification_reroute,
    verification_save_profile,
)
from kyc.services.routing import RoutingError, bucket, parse_rules, route
from tests.support import builders, second_provider

ROOT = Path(__file__).resolve().parents[2]
US_TO_ACME = [{"id": "us-acme", "provider": "acme", "nationality": ["USA"], "program": "p-1"}]


def us_profile(**overrides: Any) -> dict[str, Any]:
    values = {"nationality": "USA", "phone": "+14155550100", "full_name": "Ada Lovelace"}
    values |= {"given_name": "Ada", "family_name": "Lovelace"}
    return builders.profile(**values) | overrides


@pytest.mark.django_db
def test_the_first_matching_rule_chooses_and_is_recorded(settings):
    second_provider.enable(settings, routing=US_TO_ACME)
    user = builders.new_user()
    verification = verification_save_profile(user=user, profile=us_profile())
    assert (verification.provider, verification.provider_program, verification.routed_by) == (
        "acme",
        "p-1",
        "us-acme",
    )
    # Its capabilities come along: no limit of ours, the customer made by the first submission.
    assert verification.corrections_allowed is None
    assert verification.customer_state == CustomerState.DEFERRED
    routed = AuditEvent.objects.get(verification=verification, action="routed")
    assert routed.note == "to acme by rule us-acme"


@pytest.mark.django_db
def test_without_a_match_the_default_provider_with_its_limit(settings):
    second_provider.enable(settings, routing=US_TO_ACME)
    verification = builders.saved_profile(nationality="IND")
    assert (verification.provider, verification.routed_by) == ("dollarpe", "default")
    assert verification.corrections_allowed == 3  # DollarPe's "3 updates per customer"
    assert verification.customer_state == CustomerState.PENDING


@pytest.mark.django_db
def test_a_changed_profile_reroutes_until_the_provider_has_the_applicant(settings):
    second_provider.enable(settings, routing=US_TO_ACME)
    user = builders.new_user()
    verification = verification_save_profile(user=user, profile=us_profile())
    moved = verification_save_profile(user=user, profile=builders.profile(nationality="IND"))
    assert (moved.provider, moved.routed_by, moved.corrections_allowed) == (
        "dollarpe",
        "default",
        3,
    )
    note = AuditEvent.objects.get(verification=verification, action="rerouted").note
    assert note == "from acme to dollarpe by rule default"


@pytest.mark.django_db
def test_once_the_provider_has_the_applicant_the_choice_is_frozen(settings, emulator):
    second_provider.enable(settings, routing=US_TO_ACME)
    verification = builders.customer()  # created at the DollarPe emulator
    with pytest.raises(ProfileFrozen, match="already accepted"):
        verification_save_profile(user=verification.user, profile=us_profile())
    with pytest.raises(ValueError, match="already has this applicant"):
        verification_reroute(verification_id=verification.pk, provider="acme", actor=None)
    verification.refresh_from_db()
    assert verification.provider == "dollarpe"


@pytest.mark.django_db
def test_staff_reroute_before_that_and_it_is_audited(settings):
    second_provider.enable(settings)
    officer = builders.new_user(is_staff=True)
    verification = builders.saved_profile()  # not created yet: nothing was sent
    result = staff.staff_reroute(verification_id=verification.pk, actor=officer, provider="acme")
    assert result == staff.StaffResult(True, "Now with Acme KYC.")
    verification.refresh_from_db()
    assert (verification.provider, verification.routed_by) == ("acme", "staff")
    audit = AuditEvent.objects.get(verification=verification, action="rerouted")
    assert (audit.actor, audit.source, audit.note) == (
        officer,
        "staff",
        "from dollarpe to acme by rule staff",
    )
    refused = staff.staff_reroute(verification_id=verification.pk, actor=officer, provider="qolo")
    assert refused == staff.StaffResult(
        False, "Cannot route to another provider: qolo is not an enabled provider."
    )


def test_rollout_percent_uses_a_stable_hash():
    rules = parse_rules([{"id": "half", "provider": "acme", "percent": 50}])
    references = [f"kyc_{n:04d}" for n in range(2000)]
    chosen = [rules[0].matches(reference=r, nationality="IND", residence="IND") for r in references]
    assert 900 < sum(chosen) < 1100  # about half
    again = [rules[0].matches(reference=r, nationality="IND", residence="IND") for r in references]
    assert chosen == again  # the same applicant always gets the same answer
    # Each rule buckets on its own: two rollouts at 10 % do not pick the same applicants.
    assert any(bucket(r, "half") != bucket(r, "other") for r in references[:20])


def test_percent_zero_and_hundred(settings):
    second_provider.enable(settings, routing=[{"id": "none", "provider": "acme", "percent": 0}])
    assert route(reference="kyc_x", nationality="USA", residence="USA").provider == "dollarpe"
    settings.KYC_ROUTING = [{"id": "all", "provider": "acme", "residence": ["USA"]}]
    assert route(reference="kyc_x", nationality="IND", residence="USA").rule == "all"
    assert route(reference="kyc_x", nationality="USA", residence="IND").rule == "default"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"id": "x"}, "must be a JSON list"),
        ([{"provider": "acme"}], "needs an id"),
        ([{"id": "x"}], "names no provider"),
        ([{"id": "x", "provider": "acme", "percent": 101}], "percent"),
        ([{"id": "x", "provider": "acme", "nationality": ["US"]}], "alpha-3"),
        ([{"id": "x", "provider": "acme", "country": ["USA"]}], "unknown keys country"),
        ([{"id": "x", "provider": "acme"}, {"id": "x", "provider": "acme"}], "unique"),
    ],
)
def test_malformed_rules_are_refused_with_a_reason(rules, message):
    with pytest.raises(RoutingError, match=message):
        parse_rules(rules)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"KYC_ROUTING": [{"id": "q", "provider": "nobody"}]}, "an unknown provider 'nobody'"),
        ({"KYC_ROUTING": [{"id": "a", "provider": "acme"}]}, "'acme', which is not enabled"),
        ({"KYC_DEFAULT_PROVIDER": "acme"}, "KYC_DEFAULT_PROVIDER 'acme' is not enabled"),
        ({"KYC_PROVIDERS": ["dollarpe", "nobody"]}, "'nobody', which is not a known provider"),
        ({"KYC_ROUTING": [{"id": "a"}]}, "names no provider"),
    ],
)
def test_manage_py_check_fails_on_a_bad_routing(settings, overrides, expected):
    settings.KYC_PROVIDER_BACKENDS = {"acme": second_provider.BACKEND}  # known, not enabled
    for name, value in overrides.items():
        setattr(settings, name, value)
    with pytest.raises(SystemCheckError, match=expected):
        call_command("check")


def _start(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A process of the app started with these environment variables."""
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "onboarding.settings"}
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=base | {"DJANGO_DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_rules_come_from_the_environment_and_are_checked_at_start_up():
    """Every process stops at start-up (gunicorn and Celery run no system checks)."""
    routing = '[{"id": "q", "provider": "nobody"}]'
    worker = _start("-c", "import django; django.setup()", KYC_ROUTING=routing)
    assert worker.returncode != 0
    assert "KYC routing cannot be used: rule 'q' names an unknown provider 'nobody'." in (
        worker.stderr
    )
    check = _start("manage.py", "check", KYC_ROUTING=routing)
    assert check.returncode != 0
    assert "rule 'q' names an unknown provider 'nobody'" in check.stderr
    garbled = _start("manage.py", "check", KYC_ROUTING="[{not json")
    assert garbled.returncode != 0
    assert "Environment variable KYC_ROUTING: expected valid JSON." in garbled.stderr


def test_a_provider_needing_pages_this_deployment_lacks_cannot_be_enabled(settings):
    # A deployment without the journey's pages (its own URLconf): a provider needing the
    # hand-off or the questions page is refused, saying which.
    asking = dataclasses.replace(
        second_provider.SecondProvider.capabilities, collection="hosted", challenge_questions=True
    )
    settings.KYC_PROVIDER_BACKENDS = {"hosted": "tests.neutral.test_routing.HostedProvider"}
    settings.KYC_PROVIDERS = ["dollarpe", "hosted"]
    settings.ROOT_URLCONF = "tests.neutral.urls_without_journey"
    HostedProvider.capabilities = asking
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    message = str(refused.value)
    assert "provider 'hosted' needs hosted collection, which this version" in message
    assert "provider 'hosted' needs challenge questions, which this version" in message


class HostedProvider(second_provider.SecondProvider):
    name = "hosted"
