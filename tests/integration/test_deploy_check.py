"""`manage.py check --deploy` with production-like values reports nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
}


def _check(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "onboarding.settings"}
    env |= PRODUCTION | overrides
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
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
    assert "System check identified no issues (0 silenced)." in result.stdout


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
