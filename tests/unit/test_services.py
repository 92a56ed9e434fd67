"""The suite's own service detection: CI must never fall back silently."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.services import MissingServiceError, detect


def test_ci_refuses_to_run_without_chromium(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("CHROMIUM_PATH", "/nonexistent/chromium")
    with pytest.raises(MissingServiceError, match="Chromium"):
        detect()


def test_ci_refuses_to_run_without_postgresql(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("tests.services.LOCAL_POSTGRES", "postgres://postgres@127.0.0.1:1/kyc")
    with pytest.raises(MissingServiceError, match="PostgreSQL"):
        detect()


def test_outside_ci_a_missing_service_is_a_note(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr("tests.services.LOCAL_REDIS", "redis://127.0.0.1:1/0")
    services = detect()
    assert services.redis_url is None
    assert any("Redis did not answer" in note for note in services.notes)


def test_pytest_under_ci_fails_loudly_when_a_service_is_missing():
    env = {**os.environ, "CI": "true", "CHROMIUM_PATH": "/nonexistent/chromium"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/unit/test_env.py", "-q", "-p", "no:cacheprovider"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    # Chromium, or whatever else is missing on this machine (the first one named).
    assert "CI=true requires" in result.stdout + result.stderr
    assert "Chromium not found" in result.stdout + result.stderr
