"""Sign-up, log in and out, password reset by email; every journey page needs a login."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
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


def test_sign_up_logs_the_user_in_and_starts_the_profile(client):
    response = client.post(
        reverse("onboarding:signup"),
        {"email": "Priya@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:profile")
    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("priya@example.com", "priya@example.com")
    assert client.get(reverse("onboarding:profile")).status_code == 200


def test_sign_up_refuses_a_taken_email_and_weak_or_mismatched_passwords(client):
    make_user("taken@example.com")
    response = client.post(
        reverse("onboarding:signup"),
        {"email": "TAKEN@example.com", "password1": "12345678", "password2": "12345679"},
        follow=True,
    )
    form = response.context["form"]
    assert "already exists" in form.errors["email"][0]
    assert "not the same" in form.errors["password2"][0]
    weak = client.post(
        reverse("onboarding:signup"),
        {"email": "new@example.com", "password1": "12345678", "password2": "12345678"},
        follow=True,
    )
    assert weak.context["form"].errors["password1"]
    assert get_user_model().objects.count() == 1


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
