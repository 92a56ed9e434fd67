"""Progress and expectations in headless Chromium: the stepper on each page of a DollarPe
and of a hosted (Rebilly) journey, at phone and desktop sizes; the home page's checklist;
India preselected; the income and profession hints; "last checked" updated after a poll.
Against the live app, the real Celery worker, and the emulators over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kyc.models import Verification
from kyc.providers.registry import get_provider
from kyc.services.polling import verification_poll
from kyc.webhooks.views import webhook_path
from tests.browser.test_rebilly_journey import continue_to_gatherer, upload
from tests.browser.test_rebilly_journey import fill_profile as fill_rebilly_profile
from tests.onboarding.browser_steps import (
    DECISION,
    log_in,
    screenshot,
    sign_up,
    upload_documents,
)
from tests.onboarding.conftest import (
    accepted_documents,
    created_verification,
    make_user,
    mobile,
    submitted_verification,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def app(dollarpe_app):
    return dollarpe_app


@pytest.fixture
def desktop(browser: Any) -> Any:
    context = browser.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()


def stepper(page: Any) -> list[tuple[str, str]]:
    """(step, state) as the page shows it, after checking what screen readers get."""
    items = page.locator(".stepper__step")
    found = items.evaluate_all(
        """items => items.map(item => [item.dataset.step,
            item.className.match(/stepper__step--(\\w+)/)[1],
            item.getAttribute('aria-current'),
            item.querySelector('.stepper__name').textContent])"""
    )
    for _key, state, current, name in found:
        assert (current == "step") == (state == "current")
        assert ("(completed)" in name) == (state == "done")
    return [(key, state) for key, state, _current, _name in found]


def journey(keys: list[str], current: str) -> list[tuple[str, str]]:
    at = keys.index(current) if current else len(keys)
    states = ["done"] * at + ["current"] + ["upcoming"] * len(keys)
    return list(zip(keys, states, strict=False))


def name_widths(page: Any) -> list[float]:
    """The stepper's names' widths, measured in one go: the status page replaces its stepper
    when an answer changes, and a name found first and measured after (two steps of
    Playwright's) could be a detached one, 0 px wide."""
    return [
        float(width)
        for width in page.evaluate(
            "() => Array.from(document.querySelectorAll('.stepper__name'),"
            " name => name.getBoundingClientRect().width)"
        )
    ]


def fits(page: Any) -> None:
    """Nothing wider than the screen: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


DOLLARPE = ["profile", "uploads", "details", "check", "bank"]


def test_the_stepper_follows_a_dollarpe_journey_on_a_phone(page, app, emulator):
    emulator.config(auto_decision=False)  # decided below, when the test has looked
    email = sign_up(page, app)
    assert stepper(page) == journey(DOLLARPE, "profile")
    expect(page.locator(".stepper__caption")).to_have_text("Step 1 of 5: Profile")
    assert name_widths(page)[0] <= 1  # names: for screen readers only
    expect(page.get_by_label("Nationality", exact=True)).to_have_value("IND")  # preselected
    fits(page)
    screenshot(page, "progress-1-profile-phone")
    page.get_by_label("Full name", exact=True).fill("Asha Rao")
    page.get_by_label("Mobile phone number", exact=True).fill(mobile())
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/verify/documents/")

    assert stepper(page) == journey(DOLLARPE, "uploads")
    expect(page.locator(".stepper__caption")).to_have_text("Step 2 of 5: Photos")
    fits(page)
    screenshot(page, "progress-2-photos-phone")
    upload_documents(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/verify/details/")

    assert stepper(page) == journey(DOLLARPE, "details")
    expect(page.get_by_label("Country", exact=True)).to_have_value("IND")
    income = page.get_by_label("Income range", exact=True)
    expect(page.locator("#id_info_0_helptext")).to_contain_text("e.g. <10L (under 10 lakh)")
    expect(income).to_have_attribute("aria-describedby", "id_info_0_helptext")
    expect(page.locator("#id_info_0_suggestions option")).to_have_count(5)
    expect(page.locator("#id_info_1_helptext")).to_contain_text("Engineer, Teacher or Student")
    fits(page)
    screenshot(page, "progress-3-details-phone")
    fill_details(page, income="10L-25L", profession="Teacher")

    assert stepper(page) == journey(DOLLARPE, "check")
    expect(page.locator(".stepper__caption")).to_have_text("Step 4 of 5: Identity check")
    expect(page.locator(".last-checked")).to_have_text(
        "Last checked less than a minute ago.", timeout=DECISION
    )  # the provider's answer to the submission, once the worker sent it
    screenshot(page, "progress-4-check-phone")
    verification = Verification.objects.get(user__email=email)
    sent = emulator.requests_log(path="/cms/api/v1/kyc/add-kyc-data")
    assert sent[-1]["body"]["additional_info"] == {
        "income_range": "10L-25L",
        "profession": "Teacher",
    }

    page.evaluate("window.__sameDocument = true")
    emulator.decide(verification.provider_customer_id)  # its webhook reaches the worker
    expect(page.locator(".status__title")).to_have_text("Verified", timeout=DECISION)
    expect(page.locator(".stepper__caption")).to_have_text("Step 5 of 5: Bank account")
    assert page.evaluate("window.__sameDocument") is True  # the stepper moved without a reload
    assert stepper(page) == journey(DOLLARPE, "bank")
    expect(page.locator(".last-checked")).to_have_count(0)  # decided: nothing to wait for
    screenshot(page, "progress-5-verified-phone")

    page.get_by_role("link", name="Add a bank account or a UPI ID").click()
    page.wait_for_url("**/verify/bank/")
    assert stepper(page) == journey(DOLLARPE, "bank")
    fits(page)
    screenshot(page, "progress-6-bank-phone")
    page.get_by_role("link", name="Identity check (completed)").click()  # done: links back
    page.wait_for_url("**/verify/status/")


def fill_details(page: Any, *, income: str, profession: str) -> None:
    page.get_by_label("Address line 1", exact=True).fill("12 MG Road")
    page.get_by_label("Town or city", exact=True).fill("Bengaluru")
    page.get_by_label("PIN or postal code", exact=True).fill("560001")
    page.get_by_label("Date of birth", exact=True).fill("1990-04-01")
    page.get_by_label("PAN (tax number)", exact=True).fill("ABCPE1234F")
    page.get_by_label("Identity document", exact=True).select_option("PASSPORT")
    page.get_by_label("Document number", exact=True).fill("J8369854")
    page.get_by_label("Income range", exact=True).fill(income)
    page.get_by_label("Profession", exact=True).fill(profession)
    page.get_by_role("button", name="Send for verification").click()
    page.wait_for_url("**/verify/status/")


def test_the_stepper_shows_every_name_on_a_desktop(desktop, app, emulator):
    emulator.config(auto_decision=False)
    user = make_user()
    accepted_documents(created_verification(user))
    log_in(desktop, app, user.email)
    desktop.goto(app + "/verify/details/")
    assert stepper(desktop) == journey(DOLLARPE, "details")
    # The photos can still be changed until the details are sent: that done step links back.
    expect(desktop.get_by_role("link", name="Photos (completed)")).to_have_attribute(
        "href", "/verify/documents/"
    )
    fits(desktop)
    screenshot(desktop, "progress-details-desktop")
    fill_details(desktop, income="<10L", profession="Engineer")
    assert stepper(desktop) == journey(DOLLARPE, "check")
    names = desktop.locator(".stepper__name")
    expect(names).to_have_text(
        [
            "Profile (completed)",
            "Photos (completed)",
            "Details (completed)",
            "Identity check",
            "Bank account",
        ]
    )
    widths = name_widths(desktop)
    assert len(widths) == 5
    assert all(width > 20 for width in widths), widths
    expect(desktop.locator(".stepper__caption")).to_be_hidden()
    expect(desktop.locator(".last-checked")).to_be_visible(timeout=DECISION)
    fits(desktop)
    screenshot(desktop, "progress-check-desktop")
    desktop.goto(app + "/")
    screenshot(desktop, "progress-home-desktop")


@pytest.fixture
def hosted_app(live_server, rebilly, celery_worker, settings):
    settings.STATUS_POLL_SECONDS = 1
    get_provider("rebilly").register_webhook(live_server.url + webhook_path("rebilly"))
    return live_server.url


HOSTED = ["profile", "hosted", "check"]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_stepper_follows_a_hosted_journey(page, desktop, hosted_app, size):
    page = page if size == "phone" else desktop
    sign_up(page, hosted_app)
    assert stepper(page) == journey(HOSTED, "profile")
    fill_rebilly_profile(page)
    assert stepper(page) == journey(HOSTED, "hosted")
    if size == "phone":
        expect(page.locator(".stepper__caption")).to_have_text("Step 2 of 3: Documents")
    fits(page)
    screenshot(page, f"progress-hosted-continue-{size}")
    continue_to_gatherer(page)
    upload(page, "identity-proof")
    upload(page, "address-proof")
    page.get_by_role("button", name="Submit documents").click()
    page.wait_for_url("**/verify/status/")
    expect(page.locator(".status__title")).to_have_text("Verified", timeout=DECISION)
    assert stepper(page) == journey(HOSTED, "")  # no bank step: every step is done
    if size == "phone":
        expect(page.locator(".stepper__caption")).to_have_text("Every step is done.")
    screenshot(page, f"progress-hosted-verified-{size}")


def test_the_home_page_says_what_to_have_ready(page, desktop, live_server):
    for shown in (page, desktop):
        shown.goto(live_server.url + "/")
        expect(shown.get_by_role("heading", name="Have these ready")).to_be_visible()
        items = shown.locator(".checklist li")
        expect(items).to_have_count(5)
        expect(items.first).to_have_text("Your PAN card, or its number")
        fits(shown)
    screenshot(page, "progress-home-phone")


def test_last_checked_is_shown_and_updated_after_a_poll(page, app, emulator):
    emulator.config(auto_decision=False)  # it stays PROCESSING: the page waits
    user = make_user()
    verification = submitted_verification(user)
    five_minutes_ago = timezone.now() - timedelta(minutes=5, seconds=5)
    Verification.objects.filter(pk=verification.pk).update(last_checked_at=five_minutes_ago)
    verification.submissions.update(sent_at=five_minutes_ago)
    log_in(page, app, user.email)
    page.goto(app + "/verify/status/")
    checked = page.locator(".last-checked")
    expect(checked).to_have_text("Last checked 5 minutes ago.")
    page.evaluate("window.__sameDocument = true")
    assert verification_poll(verification_id=verification.pk).startswith("kyc:")  # over HTTP
    expect(checked).to_have_text("Last checked less than a minute ago.", timeout=DECISION)
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "progress-last-checked-phone")
