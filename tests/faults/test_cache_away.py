"""The cache that counts the rate limits goes away: logins go on, uncounted, rather than
every login failing (the limits come back with the cache)."""

from __future__ import annotations

import logging
import os
import shutil
from typing import Any

import pytest
from django.urls import reverse

from tests.onboarding.conftest import PASSWORD, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("redis-server") is None and os.environ.get("CI", "").lower() != "true",
        reason="needs the redis-server binary",
    ),
]


def test_logins_go_on_uncounted_while_the_cache_is_away(client, private_redis, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "onboarding.cache.RedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    user = make_user()
    login = reverse("onboarding:login")
    wrong: dict[str, Any] = {"username": user.email, "password": "wrong-password"}
    assert client.post(login, wrong).status_code == 200  # counted in the private Redis
    private_redis.crash()
    with caplog.at_level(logging.WARNING, logger="onboarding.limits"):
        assert client.post(login, wrong).status_code == 200
        right = client.post(login, {"username": user.email, "password": PASSWORD})
    assert right.status_code == 302
    assert "rate limit login not counted: ConnectionError" in caplog.text
