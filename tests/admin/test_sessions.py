"""A staff session ends after STAFF_SESSION_IDLE_SECONDS without a request; an applicant's
does not. The last request's time is set back in the session (no waiting)."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from onboarding.middleware import LAST_SEEN
from tests.onboarding.conftest import make_user

pytestmark = pytest.mark.django_db


def idle_for(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_a_staff_session_idle_too_long_ends_and_asks_to_log_in_again(officer_client, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 600
    assert officer_client.get(reverse("admin:index")).status_code == 200
    idle_for(officer_client, 599)
    assert officer_client.get(reverse("admin:index")).status_code == 200  # and counted again
    assert officer_client.session[LAST_SEEN] > int(time.time()) - 5
    idle_for(officer_client, 601)
    again = officer_client.get(reverse("admin:index"))
    assert again.status_code == 302
    assert again["Location"].startswith(reverse("admin:login"))
    assert officer_client.session.get("_auth_user_id") is None


def test_an_applicants_session_is_not_ended_by_the_staff_idle_time(client, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 600
    client.force_login(make_user())
    idle_for(client, 7 * 24 * 3600)
    assert client.get(reverse("onboarding:start"))["Location"] == reverse("onboarding:profile")
    assert client.session.get("_auth_user_id") is not None
