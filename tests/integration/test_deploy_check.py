"""`manage.py check --deploy` with production-like values reports nothing; with DJANGO_DEBUG
off, the README's sample credentials and a local email backend stop every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": "k3Jx9-production-like-secret-4f8a2c7d9e1b3a5c7e9f1a3b5c7d9e1f3a5b7c9d",
    "DJANGO_ALLOWED_HOSTS": "kyc.example.com",
    "PUBLIC_BASE_URL": "https://kyc.example.com",
    "DATABASE_URL": "postgres://kyc:pw@db.internal:5432/kyc",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "AWS_S3_ENDPOINT_URL": "https://s3.eu-west-1.amazonaws.com",
    "AWS_S3_REGION_NAME": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "example-secret",
    "DOLLARPE_BASE_URL": "https://production.dollarpe.xyz",
    "DOLLARPE_API_KEY": "live-key",
    "DOLLARPE_API_SECRET": "live-secret",
    "DOLLARPE_SANDBOX": "false",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.com",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1saWtlLXRlc3Qta2V5LTMyYnl0ZXM=",
    "KYC_BLIND_INDEX_KEYS": "2026:production-like-blind-index-key-7c1e9a3f5b",
}


def _check(**overrides: str) -> subprocess.CompletedProcess[str]:
    return _start("manage.py", "check", "--deploy", "--fail-level", "WARNING", **overrides)


def _start(*command: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    """A process of the app (Python's arguments) with the production-like values and these."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "onboarding.settings"}
    env |= PRODUCTION | overrides
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_like_values_report_nothing():
    result = _check()
    assert result.returncode == 0, result.stderr + result.stdout
    # One silenced on purpose: django-ratelimit's "cache backend not known by name" about
    # Django's own Redis backend, whose increments are atomic (onboarding/settings.py).
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_sandbox_mode_against_the_production_api_is_an_error():
    result = _check(DOLLARPE_SANDBOX="true")
    assert result.returncode != 0
    assert "kyc.dollarpe.E001" in result.stderr


def test_embedded_defaults_are_flagged_for_production():
    result = _check(DATABASE_URL="", CELERY_BROKER_URL="", PUBLIC_BASE_URL="http://kyc.example.com")
    assert result.returncode != 0
    for code in ("onboarding.E001", "onboarding.W001", "onboarding.W002"):
        assert code in result.stderr


def test_a_cache_on_this_machine_beside_a_shared_broker_is_flagged():
    result = _check(CACHE_URL="file:///var/cache/kyc")
    assert result.returncode != 0
    assert "onboarding.W006" in result.stderr


REBILLY_LIVE = {
    "KYC_PROVIDERS": "dollarpe,rebilly",
    "REBILLY_BASE_URL": "https://api.rebilly.com",
    "REBILLY_ORGANIZATION_ID": "org-live",
    "REBILLY_API_KEY": "sk_live_0123456789abcdef",
    "REBILLY_WEBHOOK_USERNAME": "kyc-webhooks",
    "REBILLY_WEBHOOK_PASSWORD": "a-long-random-webhook-password",
    "REBILLY_SANDBOX": "false",
}


def test_rebilly_with_live_values_reports_nothing():
    result = _check(**REBILLY_LIVE)
    assert result.returncode == 0, result.stderr + result.stdout


def test_rebilly_sandbox_mode_a_sandbox_key_or_the_default_password_against_live_are_errors():
    cases = {
        "kyc.rebilly.E001": {"REBILLY_SANDBOX": "true"},
        "kyc.rebilly.E002": {"REBILLY_API_KEY": "sk_sandbox_0123"},
        "kyc.rebilly.E003": {"REBILLY_WEBHOOK_PASSWORD": "short"},
        "kyc.rebilly.W001": {"REBILLY_BASE_URL": "http://127.0.0.1:8200"},
    }
    for code, overrides in cases.items():
        result = _check(**(REBILLY_LIVE | overrides))
        assert result.returncode != 0, code
        assert code in result.stderr, (code, result.stderr)


QOLO_LIVE = {
    "KYC_PROVIDERS": "dollarpe,qolo",
    "QOLO_BASE_URL": "https://api.qolopay.com",
    "QOLO_LOGIN_ID": "kyc-live",
    "QOLO_API_KEY": "live-api-key",
    "QOLO_WEBHOOK_SECRET": "a-long-random-webhook-secret",
    "QOLO_SANDBOX": "false",
}


def test_qolo_with_live_values_reports_nothing():
    result = _check(**QOLO_LIVE)
    assert result.returncode == 0, result.stderr + result.stdout


def test_qolo_sandbox_mode_off_its_dev_host_or_a_weak_secret_are_errors():
    for code, overrides in {
        "kyc.qolo.E001": {"QOLO_SANDBOX": "true"},
        "kyc.qolo.E002": {"QOLO_WEBHOOK_SECRET": "short"},
        "kyc.qolo.W001": {"QOLO_BASE_URL": "http://127.0.0.1:8300"},
    }.items():
        result = _check(**(QOLO_LIVE | overrides))
        assert result.returncode != 0, code
        assert code in result.stderr, (code, result.stderr)


# What make run and the README give: an empty variable is an unset one (the embedded default).
SAMPLES = {
    "onboarding.E004": ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    "onboarding.E006": ["KYC_BLIND_INDEX_KEYS"],
    "kyc.dollarpe.E002": ["DOLLARPE_API_KEY", "DOLLARPE_API_SECRET"],
    "kyc.rebilly.E005": ["REBILLY_API_KEY", "REBILLY_WEBHOOK_PASSWORD"],
    "kyc.qolo.E003": ["QOLO_LOGIN_ID", "QOLO_API_KEY", "QOLO_WEBHOOK_SECRET"],
}
EVERY_PROVIDER = REBILLY_LIVE | QOLO_LIVE | {"KYC_PROVIDERS": "dollarpe,rebilly,qolo"}


def _refused(result: subprocess.CompletedProcess[str], code: str, setting: str) -> bool:
    said = f"{setting} is the public sample value from the README: set your own."
    # A server's refusal says "code: …"; `manage.py check` lists "?: (code) …" as Django does.
    shown = f"{code}: {said}" in result.stderr or f"({code}) {said}" in result.stderr
    return result.returncode != 0 and shown


def test_the_embedded_sample_credentials_stop_start_up_without_debug():
    unset = {name: "" for names in SAMPLES.values() for name in names}
    result = _check(**(EVERY_PROVIDER | unset))
    assert "SystemCheckError: System check identified some issues:" in result.stderr
    assert "ERRORS:" in result.stderr  # Django's own list, errors and not warnings
    web = _start("-c", "import onboarding.wsgi", **(EVERY_PROVIDER | unset))
    assert "Refusing to start with DJANGO_DEBUG off and development defaults:" in web.stderr
    assert web.returncode != 0
    for code, names in SAMPLES.items():
        for name in names:
            assert _refused(result, code, name), (name, result.stderr)


def test_a_server_holding_the_readme_dollarpe_secret_cannot_start():
    # The red-team finding: a webhook signed with the README's secret turned a customer
    # VERIFIED. Neither the web process, nor a worker, nor `check --deploy` starts with it.
    sample = {"DOLLARPE_API_SECRET": "sandbox-secret"}
    web = _start("-c", "import onboarding.wsgi", **sample)
    worker = _start("-m", "celery", "-A", "onboarding", "worker", "--pool", "solo", **sample)
    for result in (_check(**sample), web, worker):
        assert _refused(result, "kyc.dollarpe.E002", "DOLLARPE_API_SECRET"), result.stderr
        assert "sandbox-secret" not in result.stderr + result.stdout  # never the value


@pytest.mark.parametrize(
    "backend",
    [
        "onboarding.mail.ConsoleEmailBackend",  # the embedded default
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    ],
)
def test_an_email_backend_that_sends_nothing_is_an_error_without_debug(settings, backend):
    settings.EMAIL_BACKEND = backend
    settings.KYC_TESTS_ALLOW_LOCAL_EMAIL = False  # the suite's own switch, off as in production
    with pytest.raises(SystemCheckError, match=r"onboarding\.E005"):
        call_command("check")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    call_command("check")


def test_the_email_refusal_stops_start_up_unless_the_suite_s_own_switch_is_on():
    local = {"EMAIL_BACKEND": ""}  # the embedded console backend
    refused = _start("-c", "import onboarding.wsgi", **local)
    assert "onboarding.E005: EMAIL_BACKEND prints, writes to files" in refused.stderr
    allowed = _check(**local, KYC_TESTS_ALLOW_LOCAL_EMAIL="true")
    assert allowed.returncode == 0, allowed.stderr + allowed.stdout


def test_debug_keeps_the_embedded_defaults_for_make_run(tmp_path):
    debug = {name: "" for name in PRODUCTION} | {"DJANGO_DEBUG": "true"}
    result = _start("manage.py", "check", KYC_VAR_DIR=str(tmp_path), **debug)
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_sandbox_flags_are_off_unless_debug(tmp_path):
    flags = {"DOLLARPE_SANDBOX": "", "REBILLY_SANDBOX": "", "QOLO_SANDBOX": ""}
    show = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DOLLARPE_SANDBOX, s.REBILLY_SANDBOX, s.QOLO_SANDBOX)"
    )
    production = _start("-c", show, **flags)
    assert production.stdout.split() == ["False", "False", "False"], production.stderr
    debug = {name: "" for name in PRODUCTION} | flags | {"DJANGO_DEBUG": "true"}
    local = _start("-c", show, KYC_VAR_DIR=str(tmp_path), **debug)
    assert local.stdout.split() == ["True", "True", "True"], local.stderr


def test_the_refusals_are_errors_of_manage_py_check(settings):
    settings.DOLLARPE_API_SECRET = "sandbox-secret"
    with pytest.raises(SystemCheckError, match=r"kyc\.dollarpe\.E002"):
        call_command("check")
