"""Languages: the switcher on every page, the choice kept (a cookie, and on the verification
for the emails the workers send later), the page's lang and words, the country list, and
each email in the user's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from kyc.models import Verification
from kyc.tasks import send_user_email
from tests.onboarding.conftest import PASSWORD, local_verification, profile_data

pytestmark = pytest.mark.django_db
SWITCH = reverse("set_language")
COOKIE = settings.LANGUAGE_COOKIE_NAME
LOGIN = reverse("onboarding:login")
SIGNUP = reverse("onboarding:signup")
PROFILE = reverse("onboarding:profile")
RESET = reverse("onboarding:password_reset")
NAMES = {"en": "English", "hi": "हिन्दी", "ta": "தமிழ்"}


def switch(client, language, next_url="/"):
    return client.post(SWITCH, {"language": language, "next": next_url})


def page(client, url):
    return client.get(url).content.decode()


@pytest.mark.parametrize("url", [reverse("home"), LOGIN, SIGNUP, RESET, "/no-such-page/"])
def test_every_page_offers_each_language_in_its_own_script(client, url):
    html = page(client, url)
    assert f'<form method="post" action="{SWITCH}" class="language-switcher">' in html
    assert f'<input type="hidden" name="next" value="{url}">' in html
    for code, name in NAMES.items():
        current = ' aria-current="true"' if code == "en" else ""
        button = f'name="language" value="{code}" lang="{code}" '
        assert f'{button}class="language-switcher__choice"{current}>{name}</button>' in html


def test_switching_keeps_the_choice_in_a_cookie_and_returns_to_the_same_page(client):
    response = switch(client, "hi", LOGIN)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert response.cookies[COOKIE].value == "hi"
    html = page(client, LOGIN)
    assert '<html lang="hi">' in html
    assert "<h1>लॉग इन करें</h1>" in html
    assert 'value="hi" lang="hi" class="language-switcher__choice" aria-current="true"' in html
    for name in NAMES.values():  # never translated: "English" stays English
        assert f">{name}</button>" in html
    switch(client, "ta", LOGIN)
    html = page(client, LOGIN)
    assert '<html lang="ta">' in html
    assert "<h1>உள்நுழையவும்</h1>" in html


@pytest.mark.parametrize("language", ["fr", "", "hi-IN", "<script>"])
def test_a_language_not_offered_is_refused_and_changes_nothing(client, user, language):
    verification = local_verification(user, language="hi")
    client.force_login(user)
    response = switch(client, language, LOGIN)
    assert response.status_code == 400
    assert response.content.decode() == "Choose one of the languages offered."
    assert COOKIE not in response.cookies
    verification.refresh_from_db()
    assert verification.language == "hi"


def test_a_next_page_elsewhere_is_not_followed(client):
    response = switch(client, "ta", "https://elsewhere.example/")
    assert response["Location"] == "/"
    assert response.cookies[COOKIE].value == "ta"


def test_a_signed_in_users_choice_is_kept_on_the_verification(signed_in, user):
    verification = local_verification(user)
    assert verification.language == ""
    switch(signed_in, "ta")
    verification.refresh_from_db()
    assert verification.language == "ta"


def log_in(client, user):
    return client.post(LOGIN, {"username": user.email, "password": PASSWORD})


def test_logging_in_on_a_new_device_brings_back_the_accounts_language(client, user):
    local_verification(user, language="ta")
    response = log_in(client, user)
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "ta"
    assert '<html lang="ta"' in page(client, reverse("home"))


def test_a_language_chosen_on_this_device_stands_at_log_in(client, user):
    local_verification(user, language="ta")
    switch(client, "hi")
    response = log_in(client, user)
    assert response.status_code == 302
    assert COOKIE not in response.cookies  # the device's own choice, untouched
    assert '<html lang="hi"' in page(client, reverse("home"))


def test_without_a_language_on_the_account_log_in_sets_none(client, user):
    local_verification(user)
    assert COOKIE not in log_in(client, user).cookies


def test_a_new_verification_takes_the_language_of_the_pages(signed_in, user, emulator):
    signed_in.cookies[COOKIE] = "hi"
    response = signed_in.post(PROFILE, profile_data())
    assert response.status_code == 302
    assert Verification.objects.get(user=user).language == "hi"


@pytest.mark.parametrize(
    ("language", "india", "germany"),
    [("en", "India", "Germany"), ("hi", "भारत", "जर्मनी"), ("ta", "இந்தியா", "செர்மனி")],
)
def test_the_country_list_follows_the_language(signed_in, language, india, germany):
    signed_in.cookies[COOKIE] = language
    html = page(signed_in, PROFILE)
    assert f'<html lang="{language}">' in html
    assert f'<option value="IND">{india}</option>' in html
    assert f'<option value="DEU">{germany}</option>' in html


@pytest.mark.parametrize(
    ("language", "problem", "required", "too_short"),
    [
        (
            "hi",
            "एक समस्या है",
            "यह जानकारी भरना ज़रूरी है।",
            "यह पासवर्ड बहुत छोटा है। इसमें कम से कम 8 अक्षर होने चाहिए।",
        ),
        (
            "ta",
            "ஒரு சிக்கல் உள்ளது",
            "இந்தப் புலம் கட்டாயமானது.",
            "இந்தக் கடவுச்சொல் மிகச் சிறியது. இதில் குறைந்தது 8 எழுத்துகள் இருக்க வேண்டும்.",
        ),
    ],
)
def test_form_errors_are_in_the_language_django_s_own_included(
    client, language, problem, required, too_short
):
    client.cookies[COOKIE] = language
    form = {"email": "asha@example.com", "password1": "x7!kq", "password2": ""}
    html = client.post(SIGNUP, form, follow=True).content.decode()
    assert f'<html lang="{language}">' in html
    assert problem in html
    assert required in html  # the second password, left empty
    form["password2"] = form["password1"]
    assert too_short in client.post(SIGNUP, form, follow=True).content.decode()


# --- emails ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("ta", "உங்கள் அடையாளம் சரிபார்க்கப்பட்டது", "வணக்கம் Asha Rao,"),
        ("hi", "आपकी पहचान का सत्यापन हो गया है", "नमस्ते Asha Rao,"),
        ("", "Your identity is verified", "Hello Asha Rao,"),
    ],
)
def test_an_email_goes_out_in_the_users_language_whatever_the_workers(
    user, language, subject, greeting
):
    verification = local_verification(user, language=language)
    with translation.override("en" if language else "ta"):
        send_user_email(verification_id=verification.pk, template="verified")
    assert [message.subject for message in mail.outbox] == [subject]
    assert mail.outbox[0].body.startswith(greeting)


def test_the_resubmission_email_names_what_to_send_in_the_users_language(user):
    verification = local_verification(user, language="hi")
    send_user_email(
        verification_id=verification.pk, template="resubmission_requested", fix="selfie", note=""
    )
    # Queued by an older release, with the words themselves: sent as they are.
    send_user_email(
        verification_id=verification.pk, template="resubmission_requested", fix="Selfie", note=""
    )
    assert "फिर से क्या भेजना है: सेल्फ़ी" in mail.outbox[0].body
    assert "फिर से क्या भेजना है: Selfie" in mail.outbox[1].body


def test_the_password_reset_email_is_in_the_accounts_language(
    client, user, eager_tasks, django_capture_on_commit_callbacks
):
    local_verification(user, language="ta")
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, here
        client.post(RESET, {"email": user.email})  # asked from a page in English
    assert [message.subject for message in mail.outbox] == ["உங்கள் கடவுச்சொல்லை மீட்டமைக்கவும்"]
    assert "இந்த மின்னஞ்சலைப் புறக்கணிக்கவும்" in mail.outbox[0].body


def test_without_a_verification_the_reset_email_follows_the_page(
    client, user, eager_tasks, django_capture_on_commit_callbacks
):
    client.cookies[COOKIE] = "hi"
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, here
        client.post(RESET, {"email": user.email})
    assert [message.subject for message in mail.outbox] == ["अपना पासवर्ड रीसेट करें"]
