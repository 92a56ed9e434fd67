"""Sign-up, log in and out, password reset by email; every journey page needs a login."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from tests.onboarding.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

JOURNEY_PAGES = [
    "onboarding:start",
    "onboarding:profile",
    "onboarding:uploads",
    "onboarding:kyc",
    "onboarding:status",
    "onboarding:status_live",
    "onboarding:fix",
    "onboarding:bank",
    "onboarding:bank_live",
]


def sign_up(client, email, *, password=PASSWORD):
    """Posts the sign-up form and runs the email task it leaves for the commit."""
    data = {"email": email, "password1": password, "password2": password}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("onboarding:signup"), data)


def link_in(message, base="https://kyc.example.com"):
    found = re.search(re.escape(base) + r"(/\S+)", str(message.body))
    assert found is not None
    return found.group(1)


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_sign_up_emails_a_link_that_creates_the_account_and_starts_the_profile(
    client, settings, eager_tasks
):
    settings.PUBLIC_BASE_URL = "https://kyc.example.com"
    response = sign_up(client, "Priya@Example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:signup_sent")
    assert not get_user_model().objects.exists()  # nothing until the address is confirmed
    [message] = mail.outbox
    assert message.to == ["priya@example.com"]
    link = link_in(message)
    assert link.startswith("/accounts/signup/confirm/")
    page = client.get(link)  # what a mail scanner does: it creates nothing
    assert page.status_code == 200
    assert not get_user_model().objects.exists()
    confirmed = client.post(link)
    assert confirmed["Location"] == reverse("onboarding:profile")
    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("priya@example.com", "priya@example.com")
    assert user.check_password(PASSWORD)
    assert client.get(reverse("onboarding:profile")).status_code == 200
    again = Client().post(link)  # the same link once more: the account is there already
    assert again["Location"] == reverse("onboarding:login")
    assert get_user_model().objects.count() == 1


def test_sign_up_with_a_taken_email_answers_the_same_and_tells_the_owner(
    client, settings, eager_tasks
):
    settings.PUBLIC_BASE_URL = "https://kyc.example.com"
    owner = make_user("taken@example.com")
    taken = sign_up(client, "TAKEN@example.com", password="another-long-passphrase-1")
    new = sign_up(Client(), "new@example.com", password="another-long-passphrase-1")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    shown = [
        without_tokens(c.get(r["Location"]).content.decode())
        for c, r in ((client, taken), (Client(), new))
    ]
    assert shown[0] == shown[1]
    told = mail.outbox[0]
    assert told.to == ["taken@example.com"]
    body = str(told.body)
    assert "https://kyc.example.com" + reverse("onboarding:login") in body
    assert "https://kyc.example.com" + reverse("onboarding:password_reset") in body
    assert "/accounts/signup/confirm/" not in body
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)  # nothing about the account changed
    assert get_user_model().objects.count() == 1


def test_a_sign_up_link_that_was_tampered_with_creates_nothing(client):
    page = client.get(reverse("onboarding:signup_confirm", args=["not-a-token"]))
    assert page.status_code == 410
    assert (
        client.post(reverse("onboarding:signup_confirm", args=["not-a-token"])).status_code == 410
    )
    assert not get_user_model().objects.exists()


def test_sign_up_refuses_weak_or_mismatched_passwords(client):
    response = client.post(
        reverse("onboarding:signup"),
        {"email": "new@example.com", "password1": "12345678", "password2": "12345679"},
        follow=True,
    )
    assert "not the same" in response.context["form"].errors["password2"][0]
    weak = client.post(
        reverse("onboarding:signup"),
        {"email": "new@example.com", "password1": "12345678", "password2": "12345678"},
        follow=True,
    )
    assert weak.context["form"].errors["password1"]
    assert mail.outbox == []


def test_error_summary_links_to_each_field_with_an_error(client):
    response = client.post(reverse("onboarding:signup"), {"email": "not-an-email"}, follow=True)
    html = response.content.decode()
    summary = html[html.index('id="error-summary"') : html.index("</ul>")]
    for field in ("id_email", "id_password1", "id_password2"):
        assert f'href="#{field}"' in summary
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_error"' in html


def test_log_in_with_the_email_in_any_case_resumes_the_journey_and_log_out(client):
    make_user("mei@example.com")
    response = client.post(
        reverse("onboarding:login"), {"username": "MEI@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:start")
    assert client.get(reverse("onboarding:start"))["Location"] == reverse("onboarding:profile")
    assert client.post(reverse("onboarding:logout")).status_code == 302
    assert client.get(reverse("onboarding:status")).status_code == 302


def test_a_wrong_password_is_refused_with_a_summary(client):
    make_user("mei@example.com")
    response = client.post(
        reverse("onboarding:login"), {"username": "mei@example.com", "password": "wrong"}
    )
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()


def test_password_reset_by_email_with_a_link_to_the_public_url(
    client, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://kyc.example.com"
    make_user("ravi@example.com")
    with django_capture_on_commit_callbacks() as after_commit:
        response = client.post(reverse("onboarding:password_reset"), {"email": "ravi@example.com"})
    assert response["Location"] == reverse("onboarding:password_reset_done")
    # Not sent by the web request: handed to a worker, like every email (the README says
    # they appear in the worker's output). Here the task runs in this process.
    assert mail.outbox == []
    for callback in after_commit:
        callback()
    assert len(mail.outbox) == 1
    link = re.search(r"https://kyc\.example\.com(/\S+)", str(mail.outbox[0].body))
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"]
    new_password = "another-long-passphrase-42"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done["Location"] == reverse("onboarding:password_reset_complete")
    assert client.login(username="ravi@example.com", password=new_password)


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(
    client, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("onboarding:password_reset"), {"email": "nobody@example.com"}
        )
    assert response["Location"] == reverse("onboarding:password_reset_done")
    assert mail.outbox == []


@pytest.mark.parametrize("name", JOURNEY_PAGES)
def test_anonymous_users_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("onboarding:login") + "?next=")


def test_upload_endpoints_need_a_login(client):
    assert client.post(reverse("onboarding:presign"), {"kind": "selfie"}).status_code == 302
    assert client.post(reverse("onboarding:check", args=[1])).status_code == 302


def test_home_page_offers_sign_up_or_continue(client, user):
    assert reverse("onboarding:signup") in client.get("/").content.decode()
    client.force_login(user)
    assert reverse("onboarding:start") in client.get("/").content.decode()
