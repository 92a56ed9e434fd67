"""Work queues in headless Chromium at 1366 px: an officer claims a case from the list and
finds it under "Assigned to me", with the case shown on its page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kyc.models import AuditEvent, CaseState, Status
from tests.admin.conftest import PASSWORD, ROLES, ago, staff_member, verification_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer_page(page: Any, live_server: Any) -> tuple[Any, Any]:
    officer = staff_member(ROLES.OFFICER)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Dashboard: where verifications stand")).to_be_visible()
    return page, officer


def test_an_officer_claims_a_case_from_the_list_and_finds_it_assigned(officer_page, live_server):
    page, officer = officer_page
    late = verification_row(
        full_name="Kavya Menon",
        status=Status.PROCESSING,
        case_state=CaseState.OPEN,
        case_opened_at=ago(hours=30),
    )
    verification_row(full_name="Someone Else", status=Status.PROCESSING, case_state=CaseState.OPEN)

    page.goto(live_server.url + "/admin/kyc/verification/?queue=breached")
    row = page.locator("#result_list tbody tr", has_text="Kavya Menon")
    expect(row).to_contain_text("SLA breached")
    expect(page.locator("#result_list")).not_to_contain_text("Someone Else")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("claim_selected")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("ul.messagelist")).to_contain_text("1 of 1 case done.")

    page.goto(live_server.url + "/admin/kyc/verification/")
    page.get_by_role("link", name="Assigned to me").click()
    results = page.locator("#result_list")
    expect(results).to_contain_text("Kavya Menon")
    expect(results).to_contain_text("In review")
    expect(results).not_to_contain_text("Someone Else")

    page.get_by_role("link", name="Kavya Menon").click()
    expect(page.locator("#kyc-case-assignee-name")).to_have_text(officer.username)
    expect(page.locator("#kyc-case-sla")).to_contain_text("SLA breached")
    page.get_by_role("button", name="Release the case").click()
    expect(page.locator("ul.messagelist")).to_contain_text("the case is released")
    expect(page.locator("#kyc-case-assignee-name")).to_have_text("nobody")

    late.refresh_from_db()
    assert late.assignee is None
    actions = AuditEvent.objects.filter(verification=late, actor=officer).values_list(
        "action", flat=True
    )
    assert {"case_claimed", "case_released"} <= set(actions)
