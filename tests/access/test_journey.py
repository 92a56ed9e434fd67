"""Every page of the journey refuses anonymous users and shows nobody someone else's data.

The pages are read from the URLconf (namespace `onboarding`), each asked with GET and
with POST, and every body (after following redirects) is searched for the victim's
planted values: name, email, phone, references, tax and document numbers, address,
account number, UPI ID, bank labels and document keys.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kyc.services.banks import bank_account_add
from tests.access.conftest import Victim, leaks, verified
from tests.access.urls import Route, routes, url_of
from tests.support import builders

pytestmark = pytest.mark.django_db

# Pages meant for people who are not signed in: they may answer 200, never with data.
PUBLIC = {
    "signup",
    "signup_sent",
    "signup_confirm",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
REFUSED = {403, 404, 405}
JOURNEY = routes("onboarding")


def _values(victim: Victim) -> Any:
    """Each URL parameter points at the victim's own things (a token nobody has)."""
    by_name = {
        "document_id": str(victim.documents[0].pk),
        "uidb64": urlsafe_base64_encode(force_bytes(victim.user.pk)),
        "token": "guessed-" + default_token_generator.make_token(victim.user)[::-1],
    }

    def value_of(route: Route, parameter: str) -> str:
        if parameter not in by_name:
            pytest.fail(f"{route.label}: no test value for <{parameter}>; add one in {__name__}")
        return by_name[parameter]

    return value_of


def _snapshot(victim: Victim) -> list[Any]:
    """What the victim has: nothing anyone else does may change it."""
    verification = type(victim.verification).objects.get(pk=victim.verification.pk)
    return [
        (verification.status, verification.updated_at, verification.full_name),
        sorted(verification.documents.values_list("pk", "state", "checked_at")),
        sorted(verification.submissions.values_list("pk", "state")),
        sorted(verification.bank_accounts.values_list("pk", "status")),
    ]


def test_the_walk_covers_the_journey() -> None:
    names = {route.name for route in JOURNEY}
    assert {"start", "profile", "uploads", "check", "kyc", "status", "fix", "bank"} <= names
    assert names >= PUBLIC  # a public page renamed or removed must be noticed here
    assert all(route.name for route in JOURNEY)


def test_anonymous_users_are_sent_to_log_in_or_refused_and_never_see_data(
    client: Client, victim: Victim
) -> None:
    value_of = _values(victim)
    login = reverse("onboarding:login")
    problems: list[tuple[str, str, int, Any]] = []
    for route in JOURNEY:
        url = url_of(route, value_of)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            to_login = response.status_code == 302 and response["Location"].startswith(login)
            if route.name not in PUBLIC and not (to_login or response.status_code in REFUSED):
                problems.append((method, url, response.status_code, "not refused"))
            final = getattr(client, method)(url, follow=True)
            if final.status_code >= 500 or leaks(final.content, victim.secrets):
                problems.append(
                    (method, url, final.status_code, leaks(final.content, victim.secrets))
                )
    assert problems == []
    assert client.session.get("_auth_user_id") is None


@pytest.mark.parametrize("intruder_state", ["no onboarding", "verified with a bank account"])
def test_another_signed_in_user_sees_only_their_own_data(
    client: Client, victim: Victim, emulator: Any, intruder_state: str
) -> None:
    intruder: Any
    if intruder_state == "no onboarding":
        intruder = builders.new_user()
    else:
        mine = verified(emulator, profile={"full_name": "Ivo Intruder"}, kyc={})
        bank_account_add(
            verification=mine, kind="account", account_number="558812349906", ifsc="SBIN0001234"
        )
        intruder = mine.user
    value_of = _values(victim)
    before = _snapshot(victim)
    problems: list[tuple[str, str, int, Any]] = []
    for route in JOURNEY:
        url = url_of(route, value_of)
        for method in ("get", "post"):
            client.force_login(intruder)  # logout (and a reset link) may end the session
            response = getattr(client, method)(url, follow=True)
            found = leaks(response.content, victim.secrets)
            if response.status_code >= 500 or found:
                problems.append((method, url, response.status_code, found))
            if "document_id" in route.parameters and response.status_code not in REFUSED:
                problems.append((method, url, response.status_code, "the victim's document"))
    assert problems == []
    assert _snapshot(victim) == before


def test_the_planted_values_are_found_where_they_belong(client: Client, victim: Victim) -> None:
    """The search is not blind: the victim's own bank page shows the victim's values."""
    client.force_login(victim.user)
    page = client.get(reverse("onboarding:bank"))
    assert page.status_code == 200
    assert set(leaks(page.content, victim.secrets)) >= {b.label for b in victim.banks}
