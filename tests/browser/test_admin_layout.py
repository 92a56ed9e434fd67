"""The verification list on a 1366 x 768 laptop: every column, attempts, submission date,
time in status and latest submission included, without scrolling sideways, with long names,
emails and provider reasons cut short (and whole in their title), and room left for the
columns the work queues add."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from kyc.models import Status, Submission
from tests.admin.conftest import (
    PASSWORD,
    ROLES,
    ago,
    staff_member,
    verification_row,
    with_submission,
)
from tests.onboarding.browser_steps import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Venkata Subramanian Ramachandran Lakshminarayanan Iyer"
LONG_EMAIL = "venkata.subramanian.ramachandran.lakshminarayanan@long-company-domain.example.com"
LONG_REASON = "DOCUMENT_VERIFICATION_FAILED_NAME_ON_DOCUMENT_DOES_NOT_MATCH_THE_PROFILE"
WANTED = (
    "attempts",
    "submitted_at",
    "time_in_status",
    "latest_submission",
    "case_shown",  # the work queues' case and SLA columns
    "sla_shown",
)
# Room for one more column yet (a later item's), as wide as a staff member's name.
EXTRA_COLUMNS = ("rekha.narayanan",)


def rows() -> None:
    """Forty applicants in every state, some with the longest values people have."""
    statuses = [Status.UNVERIFIED, Status.PROCESSING, Status.FAILED, Status.VERIFIED]
    for index in range(40):
        status = statuses[index % 4]
        long = index % 5 == 0
        failed = status == Status.FAILED
        verification = verification_row(
            full_name=f"{LONG_NAME} {index}" if long else f"Asha Rao {index}",
            email=f"{index}.{LONG_EMAIL}" if long else f"asha{index}@example.com",
            status=status,
            failure_reason="identity_document" if failed else "",
            provider_reason=LONG_REASON if failed and long else ("KYC_FAILED" if failed else ""),
            corrections_used=index % 4,
            submitted_at=None if status == Status.UNVERIFIED else ago(days=index % 9, hours=3),
            status_changed_at=ago(days=index % 7, hours=5, minutes=index),
        )
        if status != Status.UNVERIFIED:
            submission = with_submission(verification)
            if failed:
                Submission.objects.filter(pk=submission.pk).update(state="rejected")


@pytest.fixture
def laptop(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    officer = staff_member(ROLES.OFFICER)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()
    yield page
    context.close()


def overflow(page: Any) -> dict[str, int]:
    return page.evaluate(
        """() => {
        const results = document.querySelector('#changelist .results');
        return {
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          results: results.scrollWidth - results.clientWidth,
        };
    }"""
    )


ADD_COLUMNS = """(texts) => {
  for (const row of document.querySelectorAll('#result_list tr')) {
    for (const text of texts) {
      const cell = document.createElement(row.parentElement.tagName === 'THEAD' ? 'th' : 'td');
      cell.textContent = row.parentElement.tagName === 'THEAD' ? 'Added column' : text;
      row.appendChild(cell);
    }
  }
}"""


def test_the_list_fits_a_laptop_screen_with_every_column(laptop, live_server):
    rows()
    laptop.goto(live_server.url + "/admin/kyc/verification/")
    expect(laptop.locator("#result_list tbody tr")).to_have_count(40)
    screenshot(laptop, "admin-list-1366")
    assert overflow(laptop) == {"page": 0, "results": 0}
    right = laptop.evaluate("() => document.documentElement.clientWidth")
    for name in WANTED:
        header = laptop.locator(f"#result_list th.column-{name}")
        box = header.bounding_box()
        assert box is not None, name
        assert box["x"] + box["width"] <= right, name
        expect(laptop.locator(f"#result_list td.field-{name}").first).to_be_visible()

    # Cut short on the page, whole in the title a pointer shows.
    email = laptop.locator("#result_list td.field-email_shown [title]").first
    expect(email).to_have_attribute("title", f"0.{LONG_EMAIL}")
    name = laptop.locator("#result_list th.field-name_shown [title]").first
    expect(name).to_have_attribute("title", f"{LONG_NAME} 0")
    reason = laptop.locator(f'#result_list td.field-provider_reason_shown [title="{LONG_REASON}"]')
    expect(reason.first).to_be_visible()

    # One more column still fits.
    laptop.evaluate(ADD_COLUMNS, list(EXTRA_COLUMNS))
    screenshot(laptop, "admin-list-1366-more-columns")
    assert overflow(laptop) == {"page": 0, "results": 0}
