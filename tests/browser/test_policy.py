"""The violation watch of tests/browser/conftest.py works: a page under our policy that holds
inline code has it blocked, and the watch sees each block (so a page that broke the policy
would fail its test)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INLINE = (
    '<title>untouched</title><script>document.title = "ran"</script><p style="color: red">x</p>'
)


def test_inline_code_under_our_policy_is_blocked_and_seen(browser: Any, live_server: Any) -> None:
    policy = requests.get(live_server.url + "/", timeout=10).headers["Content-Security-Policy"]
    context = browser.new_context()
    page = context.new_page()
    page.route(
        live_server.url + "/inline-probe",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": policy},
            body=INLINE,
        ),
    )
    page.goto(live_server.url + "/inline-probe")
    # Each Playwright call delivers the browser's pending events to the watch.
    seen = wait_for(lambda: (page.title(), list(browser.violations))[1], lambda v: len(v) >= 4)
    assert page.title() == "untouched"
    assert any("script-src" in text for text in seen)
    assert any("style-src" in text for text in seen)
    browser.take_violations()  # expected here: they must not fail this test
    context.close()
