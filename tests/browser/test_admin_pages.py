"""The admin pages staff use, under the Content-Security-Policy: Django's own widgets (the
permission pickers' JavaScript), the dashboard's chart, the document previews (images from the
documents bucket). The violation watch in conftest.py fails the test on anything blocked."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.onboarding.conftest import accepted_documents, local_verification, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "superuser-password-for-tests"


def log_in(page: Any, base: str) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@staff.example", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()


def test_admin_pages_work_under_the_policy(page, live_server):
    verification = local_verification(make_user())
    accepted_documents(verification)
    log_in(page, live_server.url)

    page.goto(live_server.url + f"/admin/kyc/verification/{verification.pk}/change/")
    previews = page.locator("img.kyc-preview")
    expect(previews).to_have_count(3)  # front, back and selfie are images here
    for index in range(3):
        # Loaded from the bucket, not blocked: a blocked image has no natural size.
        expect(previews.nth(index)).to_have_js_property("complete", True)
        assert previews.nth(index).evaluate("image => image.naturalWidth") > 0

    page.goto(live_server.url + "/admin/kyc/verification/dashboard/")
    expect(page.locator(".kyc-dashboard")).to_be_visible()

    # Django's filter widget builds the two-list permission picker in JavaScript.
    page.goto(live_server.url + "/admin/auth/group/add/")
    expect(page.locator("#id_permissions_filter")).to_be_visible()
    page.goto(live_server.url + "/admin/kyc/webhookevent/")
    expect(page.locator("#changelist")).to_be_visible()
    page.get_by_role("button", name="Log out").click()  # a form post; LOGOUT_REDIRECT_URL: home
    expect(page.locator("h1")).to_have_text("Verify your identity")
