from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from onboarding.env import env_bool, env_choice, env_float, env_int, env_list, env_str, env_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("YES", True), ("on", True), ("false", False), ("0", False)],
)
def test_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not expected) is expected


@pytest.mark.parametrize(
    ("parser", "raw"),
    [
        (lambda: env_bool("X_VAR", False), "ture"),
        (lambda: env_int("X_VAR", 1), "12a"),
        (lambda: env_int("X_VAR", 1, minimum=5), "4"),
        (lambda: env_float("X_VAR", 1.0), "nan"),
        (lambda: env_float("X_VAR", 1.0), "fast"),
        (lambda: env_list("X_VAR", []), "a,,b"),
        (lambda: env_choice("X_VAR", "a", ("a", "b")), "zzz"),
        (lambda: env_url("X_VAR", "http://x"), "ftp://example.com"),
        (lambda: env_url("X_VAR", "http://x"), "http://host:port"),
        (lambda: env_url("X_VAR", "http://x"), "example.com"),
    ],
)
def test_bad_values_name_the_variable_and_not_the_value(monkeypatch, parser, raw):
    monkeypatch.setenv("X_VAR", raw)
    with pytest.raises(ImproperlyConfigured, match="X_VAR") as caught:
        parser()
    assert raw not in str(caught.value)


def test_defaults_apply_when_unset_or_blank(monkeypatch):
    monkeypatch.setenv("X_BLANK", "  ")
    monkeypatch.delenv("X_UNSET", raising=False)
    assert env_int("X_BLANK", 7) == 7
    assert env_list("X_UNSET", ["a"]) == ["a"]
    assert env_url("X_UNSET", "filesystem://", schemes=("filesystem",)) == "filesystem://"
    assert env_url("X_UNSET", "sqlite:////tmp/db.sqlite3", schemes=("sqlite",))


def test_required_without_default(monkeypatch):
    monkeypatch.delenv("X_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_REQUIRED is required"):
        env_str("X_REQUIRED")


def _start_django(show: str = "DEBUG", **env: str) -> subprocess.CompletedProcess[str]:
    code = f"import django; django.setup(); from django.conf import settings; print({show})"
    code = code.replace("print(", "print(settings.", 1)
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"DJANGO_SETTINGS_MODULE": "onboarding.settings", "PATH": "/usr/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_bad_value_stops_start_up_with_the_variable_named():
    result = _start_django(DJANGO_DEBUG="true", DOLLARPE_TIMEOUT="soon")
    assert result.returncode != 0
    assert "DOLLARPE_TIMEOUT" in result.stderr


def test_production_start_up_requires_a_secret_key():
    result = _start_django()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_embedded_defaults_start_without_any_service_configured(tmp_path):
    result = _start_django(DJANGO_DEBUG="true", KYC_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def _cache(tmp_path: Path, **env: str) -> tuple[str, str]:
    show = 'CACHES["default"]["BACKEND"], settings.CACHES["default"]["LOCATION"]'
    result = _start_django(show, DJANGO_DEBUG="true", KYC_VAR_DIR=str(tmp_path), **env)
    assert result.returncode == 0, result.stderr
    backend, location = result.stdout.split()
    return backend, location


def test_the_cache_is_a_folder_beside_the_filesystem_broker(tmp_path):
    assert _cache(tmp_path) == (
        "django.core.cache.backends.filebased.FileBasedCache",
        str(tmp_path / "cache"),
    )


def test_the_cache_is_the_brokers_redis_unless_told_otherwise(tmp_path):
    broker = "redis://broker.internal:6379/3"
    assert _cache(tmp_path, CELERY_BROKER_URL=broker) == ("onboarding.cache.RedisCache", broker)
    own = "rediss://cache.internal:6380/0"
    assert _cache(tmp_path, CELERY_BROKER_URL=broker, CACHE_URL=own)[1] == own


def test_a_cache_url_of_another_kind_is_refused_by_name(tmp_path):
    result = _start_django(
        DJANGO_DEBUG="true", KYC_VAR_DIR=str(tmp_path), CACHE_URL="memcached://cache:11211"
    )
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr
    assert "memcached://cache" not in result.stderr
