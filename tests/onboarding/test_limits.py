"""Rate limits and lockout, each hit past its limit on the real endpoint, counted in the
shared cache (Redis under CI=true): the answer is a 429 that never tells whether an account
exists."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.onboarding.conftest import PASSWORD, local_verification, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("onboarding:login")
ADMIN_LOGIN = reverse("admin:login")
SIGNUP = reverse("onboarding:signup")
RESET = reverse("onboarding:password_reset")


def new_email() -> str:
    return f"someone-{uuid.uuid4().hex[:8]}@example.com"


def page_of(response) -> str:
    """The page as a person reads it, but the CSRF tokens (different on every page) and the
    minutes to wait (each address's counting period ends at a time of its own)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r"wait \d+ minutes?", "wait N minutes", html)


def assert_limited(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    if response["Content-Type"].startswith("text/html"):
        assert "<h1>Too many attempts</h1>" in response.content.decode()
        assert "Please wait" in response.content.decode()


def fail_logins(client: Client, url: str, email: str, times: int) -> list[int]:
    return [
        client.post(url, {"username": email, "password": "wrong-password"}).status_code
        for _ in range(times)
    ]


def test_five_failed_logins_lock_the_address_alike_with_or_without_an_account(client):
    owner = make_user()
    locked = []
    for email in (owner.email, new_email()):
        assert fail_logins(client, LOGIN, email, 5) == [200] * 5
        # Even the right password is refused now: guessing on is pointless.
        right = client.post(LOGIN, {"username": email.upper(), "password": PASSWORD})
        assert_limited(right)
        locked.append(page_of(right))
    assert locked[0] == locked[1]  # nothing tells the account that exists from the one not
    assert client.session.get("_auth_user_id") is None
    other = make_user()  # another address from the same client still logs in
    assert client.post(LOGIN, {"username": other.email, "password": PASSWORD}).status_code == 302


def test_failed_logins_from_one_client_address_lock_it_for_every_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": "3/15m"}
    owner = make_user()
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert fail_logins(guesser, LOGIN, new_email(), 1) == [200]
    assert_limited(guesser.post(LOGIN, {"username": owner.email, "password": PASSWORD}))
    elsewhere = Client(REMOTE_ADDR="203.0.113.8")
    assert elsewhere.post(LOGIN, {"username": owner.email, "password": PASSWORD}).status_code == 302


def test_the_client_address_is_the_one_our_proxy_appended(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": "2/15m"}
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    behind_proxy: dict[str, Any] = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(2):  # a new invented first entry each time changes nothing
        spoofed: dict[str, Any] = {
            "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}, 203.0.113.7",
            **behind_proxy,
        }
        assert fail_logins(Client(**spoofed), LOGIN, new_email(), 1) == [200]
    same = Client(HTTP_X_FORWARDED_FOR="203.0.113.7", **behind_proxy)
    assert_limited(same.post(LOGIN, {"username": new_email(), "password": "x"}))
    other = Client(HTTP_X_FORWARDED_FOR="203.0.113.9", **behind_proxy)  # same proxy, not locked
    assert fail_logins(other, LOGIN, new_email(), 1) == [200]


def test_the_admin_login_is_locked_alike(client):
    staff = get_user_model().objects.create_user(
        username=f"staff-{uuid.uuid4().hex[:8]}", password=PASSWORD, is_staff=True
    )
    assert fail_logins(client, ADMIN_LOGIN, staff.username, 5) == [200] * 5
    right = client.post(ADMIN_LOGIN, {"username": staff.username, "password": PASSWORD})
    assert_limited(right)
    assert client.session.get("_auth_user_id") is None
    assert fail_logins(client, ADMIN_LOGIN, "nobody-at-all", 5) == [200] * 5
    assert_limited(client.post(ADMIN_LOGIN, {"username": "nobody-at-all", "password": "x"}))


def sign_up(client: Client, email: str):
    password = "a-long-enough-passphrase"
    return client.post(SIGNUP, {"email": email, "password1": password, "password2": password})


def test_sign_ups_from_one_client_address_are_limited(client):
    for _ in range(10):
        assert sign_up(client, new_email())["Location"] == reverse("onboarding:signup_sent")
    assert_limited(sign_up(client, new_email()))


def test_account_emails_to_one_address_are_limited_alike_with_or_without_an_account():
    """Sign-ups and password resets together: nobody mail-bombs an address through us."""
    locked = []
    for n, email in enumerate((make_user().email, new_email())):
        client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        for _ in range(2):
            assert sign_up(client, email)["Location"] == reverse("onboarding:signup_sent")
        assert client.post(RESET, {"email": email})["Location"] == reverse(
            "onboarding:password_reset_done"
        )
        over = sign_up(client, email)
        assert_limited(over)
        assert_limited(client.post(RESET, {"email": email}))
        locked.append(page_of(over))
    assert locked[0] == locked[1]


def test_password_reset_requests_from_one_client_address_are_limited(client):
    for _ in range(10):
        answer = client.post(RESET, {"email": new_email()})
        assert answer["Location"] == reverse("onboarding:password_reset_done")
    assert_limited(client.post(RESET, {"email": new_email()}))


def test_upload_tickets_and_checks_of_one_onboarding_are_limited_with_a_json_answer(
    signed_in, user
):
    local_verification(user)
    json: dict[str, Any] = {"HTTP_ACCEPT": "application/json"}
    presign = reverse("onboarding:presign")
    for _ in range(60):
        assert (
            signed_in.post(
                presign, {"kind": "selfie", "content_type": "image/jpeg"}, **json
            ).status_code
            == 200
        )
    over = signed_in.post(presign, {"kind": "selfie", "content_type": "image/jpeg"}, **json)
    assert_limited(over)
    answer = over.json()
    assert answer["accepted"] is False
    assert answer["limited"] is True
    assert answer["message"].startswith("Too many attempts. Please wait ")
    assert_limited(signed_in.post(reverse("onboarding:check", args=[1]), **json))
    other = Client()  # another person's onboarding is counted on its own
    someone = make_user()
    local_verification(someone)
    other.force_login(someone)
    assert (
        other.post(presign, {"kind": "selfie", "content_type": "image/jpeg"}, **json).status_code
        == 200
    )


def test_phone_links_opened_from_one_client_address_are_limited(client):
    for _ in range(30):
        url = reverse("onboarding:phone_open", args=[uuid.uuid4().hex])
        assert client.get(url).status_code == 404
    assert_limited(client.get(reverse("onboarding:phone_open", args=[uuid.uuid4().hex])))
