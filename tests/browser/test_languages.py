"""A person on a phone switches to Hindi, signs up and meets the profile form and its errors
in Hindi, then switches to Tamil on the same page (headless Chromium, 390x844)."""

from __future__ import annotations

import uuid

import pytest

from tests.onboarding.browser_steps import PASSWORD, screenshot
from tests.support import emails

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def lang(page):
    return page.locator("html").get_attribute("lang")


def submit_empty_profile(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def switch_to(page, name: str) -> None:
    # The switcher comes back to the same URL: wait for the new page, not for the URL.
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_hindi_then_tamil_from_the_home_page_to_the_profile_errors(
    page, live_server, celery_worker
):
    page.goto(live_server.url + "/")
    assert lang(page) == "en"
    switch_to(page, "हिन्दी")
    assert page.url == live_server.url + "/"
    assert lang(page) == "hi"
    assert page.locator("h1").inner_text() == "अपनी पहचान का सत्यापन करें"
    chosen = page.get_by_role("button", name="हिन्दी")
    assert chosen.get_attribute("aria-current") == "true"
    assert chosen.get_attribute("lang") == "hi"
    screenshot(page, "i18n-home-hi")

    page.locator("main").get_by_role("link", name="खाता बनाएँ").click()
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("ईमेल पता", exact=True).fill(email)
    page.get_by_label("पासवर्ड", exact=True).fill(PASSWORD)
    page.get_by_label("पासवर्ड दोबारा", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="खाता बनाएँ").click()
    page.wait_for_url("**/accounts/signup/sent/")
    assert page.locator("h1").inner_text() == "अपना ईमेल देखें"
    link = emails.signup_link(email)  # in the language the person signed up in
    assert str(emails.sent_to(email)[-1]["Subject"]).strip() == "अपने ईमेल पते की पुष्टि करें"
    page.goto(live_server.url + link)
    page.get_by_role("button", name="मेरा खाता बनाएँ").click()
    page.wait_for_url("**/verify/profile/")
    assert lang(page) == "hi"
    assert page.locator("h1").inner_text() == "आपका विवरण"
    assert page.get_by_role("status").inner_text() == "आपका खाता तैयार है। अब हमें अपने बारे में बताएँ।"
    nationality = page.get_by_label("राष्ट्रीयता", exact=True)
    assert nationality.locator("option[value=IND]").first.inner_text() == "भारत"

    submit_empty_profile(page, "सहेजें और आगे बढ़ें")
    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text() == "एक समस्या है"
    assert "यह जानकारी भरना ज़रूरी है।" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert lang(page) == "hi"
    screenshot(page, "i18n-profile-errors-hi")

    switch_to(page, "தமிழ்")
    assert page.url.endswith("/verify/profile/")
    assert lang(page) == "ta"
    assert page.locator("h1").inner_text() == "உங்கள் விவரங்கள்"
    submit_empty_profile(page, "சேமித்துத் தொடரவும்")
    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text() == "ஒரு சிக்கல் உள்ளது"
    assert "இந்தப் புலம் கட்டாயமானது." in summary.inner_text()
    nationality = page.get_by_label("நாட்டுரிமை", exact=True)
    assert nationality.locator("option[value=IND]").first.inner_text() == "இந்தியா"
    screenshot(page, "i18n-profile-errors-ta")


def test_the_switcher_works_from_the_keyboard(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="தமிழ்").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/accounts/login/")
    assert lang(page) == "ta"
    assert page.locator("h1").inner_text() == "உள்நுழையவும்"
    screenshot(page, "i18n-login-ta")
