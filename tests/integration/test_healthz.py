"""GET /healthz against the real database, broker and S3 server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from onboarding.celery import app as celery_app
from tests.settings import free_port

pytestmark = pytest.mark.django_db


def test_all_services_answer(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "cache", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_storage_down_is_a_503_naming_the_storage(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            **settings.STORAGES["documents"],
            "OPTIONS": {
                **settings.STORAGES["documents"]["OPTIONS"],
                "endpoint_url": f"http://127.0.0.1:{free_port()}",
            },
        },
    }
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["storage"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_missing_bucket_is_a_503(client, settings):
    options = {**settings.STORAGES["documents"]["OPTIONS"], "bucket_name": "no-such-bucket"}
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {**settings.STORAGES["documents"], "OPTIONS": options},
    }
    assert client.get("/healthz").status_code == 503


def test_broker_down_is_a_503(client, monkeypatch):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setitem(celery_app.conf, "broker_url", closed)
    monkeypatch.setitem(celery_app.conf, "broker_write_url", closed)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_cache_down_is_reported_as_degraded_not_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "onboarding.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 200  # the intake works without it, one task per delivery
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": response.json()["checks"]["cache"]["ms"],
    }


def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405


def test_database_down_is_a_503():
    """A real process whose database does not answer (PostgreSQL on a closed port)."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz'); print(json.dumps({'code': r.status_code, **r.json()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onboarding.settings",
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{free_port()}/none",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout.strip().splitlines()[-1])
    assert body["code"] == 503
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert "nobody" not in result.stdout  # no connection details leak into the answer
