"""Four eyes in headless Chromium: officer A asks for a reset and for our own decision,
officer B (another browser context, another session) approves them on the approvals page,
and what A asked for ran. A cannot approve A's own request.

The app runs on pytest-django's live server, the provider is the DollarPe emulator over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from kyc.models import ApprovalRequest, AuditEvent, Status
from kyc.services.polling import verification_refresh
from tests.admin.conftest import PASSWORD, ROLES, staff_member
from tests.onboarding.browser_steps import screenshot
from tests.support.builders import processing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, live_server: Any) -> Any:
    officer = staff_member(ROLES.OFFICER)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Dashboard: where verifications stand")).to_be_visible()
    return officer


@pytest.fixture
def second_desk(browser: Any) -> Iterator[Any]:
    """Another officer's browser: its own context, so its own session cookie."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def messages(page: Any) -> Any:
    return page.locator("ul.messagelist")


def verified_applicant(emulator: Any, name: str) -> Any:
    verification = processing(full_name=name)
    emulator.decide(verification.provider_customer_id)
    verification_refresh(verification_id=verification.pk)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    return verification


def test_officer_a_asks_for_a_reset_and_officer_b_approves_it(
    page, second_desk, live_server, emulator
):
    verification = verified_applicant(emulator, "Meera Iyer")
    officer_a = log_in(page, live_server)
    officer_b = log_in(second_desk, live_server)
    detail = live_server.url + f"/admin/kyc/verification/{verification.pk}/change/"

    page.goto(detail)
    page.get_by_role("link", name="Reset KYC…").click()
    page.get_by_label("Why (required, kept in the audit trail)").fill("Identity theft reported")
    page.get_by_role("button", name="Ask a second officer to approve the reset").click()
    expect(messages(page)).to_contain_text("a second officer must approve it")
    expect(page.locator(".kyc-awaiting")).to_contain_text("Awaiting approval")
    screenshot(page, "four-eyes-awaiting")
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED  # nothing ran yet

    # A cannot approve their own request: no button, and the page says why.
    page.locator(".kyc-awaiting a").click()
    own = page.locator(".kyc-approval")
    expect(own).to_contain_text("Identity theft reported")
    expect(own).to_contain_text("You asked for this: another officer must decide it.")
    expect(own.get_by_role("button", name="Approve and run")).to_have_count(0)

    second_desk.goto(live_server.url + "/admin/kyc/approvalrequest/pending/")
    request = second_desk.locator(".kyc-approval")
    expect(request).to_contain_text("Meera Iyer")
    expect(request).to_contain_text(officer_a.username)
    screenshot(second_desk, "four-eyes-pending")
    request.get_by_role("button", name="Approve and run").click()
    expect(messages(second_desk)).to_contain_text("Approved and run: 1 of 1 verification done.")
    expect(second_desk.get_by_text("No request awaits approval.")).to_be_visible()

    verification.refresh_from_db()
    assert verification.status == Status.UNVERIFIED
    assert emulator.customer(verification.provider_customer_id)["status"] == "UNVERIFIED"
    assert ApprovalRequest.objects.get().decided_by == officer_b
    page.goto(detail)
    expect(page.locator(".field-status_badge .kyc-badge").first).to_have_text("Not submitted")
    expect(page.locator(".kyc-awaiting")).to_have_count(0)
    executed = AuditEvent.objects.get(verification=verification, action="approval_executed")
    assert executed.actor == officer_b


def test_officer_a_rejects_on_our_side_and_officer_b_approves_the_decision(
    page, second_desk, live_server, emulator
):
    verification = verified_applicant(emulator, "Ravi Kumar")
    log_in(page, live_server)
    log_in(second_desk, live_server)
    detail = live_server.url + f"/admin/kyc/verification/{verification.pk}/change/"

    page.goto(detail)
    page.get_by_role("link", name="Our own decision (approve or reject)…").click()
    page.get_by_label("Decision").select_option("rejected")
    page.get_by_label("Reason").select_option("sanctions_match")
    page.get_by_label("Why (required; the second officer reads it)").fill("Listed on a watch list")
    page.get_by_role("button", name="Ask a second officer to approve").click()
    expect(messages(page)).to_contain_text("a second officer must approve it")

    second_desk.goto(live_server.url + "/admin/kyc/approvalrequest/pending/")
    second_desk.locator(".kyc-approval").get_by_role("button", name="Approve and run").click()
    expect(messages(second_desk)).to_contain_text("Recorded: Rejected by our team.")

    page.goto(detail)
    expect(page.locator(".field-status_badge")).to_contain_text("Rejected by our team")
    expect(page.locator(".field-decision_shown")).to_contain_text("the provider says Verified")
    verification.refresh_from_db()
    assert (verification.status, verification.staff_decision) == (Status.VERIFIED, "rejected")
