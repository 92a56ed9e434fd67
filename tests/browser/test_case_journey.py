"""One case from the queue to a decision, in headless Chromium at 1366 px, with four eyes:
officer A finds a new submission in the dashboard's backlog, claims it, reviews its document
in the viewer and asks for our own approval; officer B (another browser, another session)
approves it on the approvals page; the case, the audit trail and the dashboard's throughput
per officer all say so. The dashboard is also looked at on a phone.

The live server, the DollarPe emulator over HTTP, the bucket. Screenshots: KYC_SCREENSHOTS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kyc.models import ApprovalRequest, AuditEvent, CaseState, DashboardSnapshot, Status
from tests.admin.test_document_review import file_of, grant_review
from tests.browser.test_four_eyes import log_in, messages
from tests.onboarding.browser_steps import screenshot
from tests.support.builders import processing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def officer_row(page: Any, name: str) -> list[str]:
    cells = page.locator("#kyc-officer-table tbody tr", has_text=name).locator("td")
    return [text.strip() for text in cells.all_inner_texts()]


def test_claim_review_and_decide_with_a_second_officer(browser, page, live_server, emulator):
    emulator.config(auto_decision=False)  # the case stays with staff until they decide
    verification = processing(full_name="Anjali Rao")
    verification.refresh_from_db()
    assert (verification.status, verification.case_state) == (Status.PROCESSING, CaseState.OPEN)
    front = file_of(verification, "document_front")
    grant_review()
    officer_a = log_in(page, live_server)
    page.set_viewport_size({"width": 1366, "height": 900})
    desk_b = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    officer_b = log_in(desk_b, live_server)
    desk_b.set_viewport_size({"width": 1366, "height": 900})
    dashboard = live_server.url + "/admin/kyc/verification/dashboard/"

    # The backlog: one new submission, unassigned, under an hour old.
    page.goto(dashboard)
    backlog = page.locator("#kyc-backlog-table tbody tr", has_text="New submissions")
    expect(backlog.locator("td").first).to_have_text("1")  # under 1 h
    expect(page.locator("#kyc-open-cases")).to_have_text("1")
    screenshot(page, "case-journey-dashboard-1366")
    backlog.get_by_role("link", name="New submissions").click()
    page.get_by_role("link", name="Anjali Rao").click()
    page.get_by_role("button", name="Claim the case").click()
    expect(messages(page)).to_contain_text("the case is yours")
    expect(page.locator("#kyc-case-assignee-name")).to_have_text(officer_a.username)

    # Review: the document front, accepted in the viewer.
    page.get_by_role("link", name="Open the document viewer").click()
    review = page.locator(f"#kyc-review-{front.pk}")
    review.get_by_role("button", name="Accept").click()
    expect(messages(page)).to_contain_text("Document accepted.")
    expect(page.locator(f"#kyc-review-{front.pk} .kyc-review__state")).to_contain_text("Accepted")

    # Decision: approved by our team, which needs a second officer.
    page.goto(live_server.url + f"/admin/kyc/verification/{verification.pk}/change/")
    page.get_by_role("link", name="Our own decision (approve or reject)…").click()
    page.get_by_label("Decision").select_option("approved")
    page.get_by_label("Reason").select_option("manual_review_passed")
    page.get_by_label("Why (required; the second officer reads it)").fill(
        "Documents read and match the data"
    )
    page.get_by_role("button", name="Ask a second officer to approve").click()
    expect(messages(page)).to_contain_text("a second officer must approve it")
    verification.refresh_from_db()
    assert verification.staff_decision == ""  # nothing decided yet

    desk_b.goto(live_server.url + "/admin/kyc/approvalrequest/pending/")
    request = desk_b.locator(".kyc-approval", has_text="Anjali Rao")
    expect(request).to_contain_text("Documents read and match the data")
    request.get_by_role("button", name="Approve and run").click()
    expect(messages(desk_b)).to_contain_text("Recorded: Approved by our team.")

    page.reload()
    expect(page.locator(".field-status_badge")).to_contain_text("Approved by our team")
    verification.refresh_from_db()
    assert verification.staff_decision == "approved"
    assert verification.staff_decided_by == officer_a  # the request was A's; B approved it
    assert ApprovalRequest.objects.get().decided_by == officer_b
    trail = set(
        AuditEvent.objects.filter(verification=verification, source="staff").values_list(
            "actor__username", "action"
        )
    )
    assert {
        (officer_a.username, "case_claimed"),
        (officer_a.username, "document_review_accepted"),
        (officer_a.username, "approval_requested"),
        (officer_b.username, "approval_approved"),
    } <= trail

    # The dashboard's throughput per officer, once its figures are computed again.
    page.goto(dashboard)
    # Refresh now waits a minute after the last computation: the one at the start is older.
    DashboardSnapshot.objects.update(computed_at=timezone.now() - timedelta(minutes=2))
    page.get_by_role("button", name="Refresh now").click()
    expect(messages(page)).to_contain_text("The figures were computed again")
    # Cases worked, claimed, resolved, decisions, approvals given, documents reviewed: the
    # decision is A's (B's approval ran it in A's name).
    assert officer_row(page, officer_a.username)[:6] == ["1", "1", "0", "1", "0", "1"]
    assert officer_row(page, officer_b.username)[:6] == ["1", "0", "0", "0", "1", "0"]
    screenshot(page, "case-journey-dashboard-after")

    # On a phone nothing scrolls sideways: the dashboard (its tables scroll in their box),
    # the document viewer and a confirmation page with its note.
    page.set_viewport_size({"width": 390, "height": 844})
    change = live_server.url + f"/admin/kyc/verification/{verification.pk}/change/"
    for name, url in [
        ("dashboard", dashboard),
        ("viewer", change.replace("/change/", "/documents/viewer/")),
        ("hold", None),
    ]:
        if url is None:
            page.goto(change)
            page.get_by_role("link", name="Put on hold…").click()
        else:
            page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, (name, width)
        screenshot(page, f"case-journey-{name}-390")
    desk_b.context.close()
