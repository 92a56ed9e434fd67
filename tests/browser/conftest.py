"""Headless Chromium (Debian's, driven by Playwright) against the live app.

Every page a test opens is watched for Content-Security-Policy violations (blocked scripts,
styles, images, connections, form posts): one fails the test, so the policy is proved to break
nothing the tests walk through.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from tests.settings import SERVICES

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXPECT_TIMEOUT = 30_000  # ms, a give-up limit (the uploads' WAIT), never a measured time


# Runs before the page's own scripts (Playwright injects it outside the page's policy): the
# page's violation events, as console errors the context's listener below collects.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("securitypolicyviolation: " + event.effectiveDirective + " blocked "
    + (event.blockedURI || "inline code") + " at " + event.sourceFile + ":" + event.lineNumber);
}, true);
"""
# What Chromium itself logs when it blocks something (also when the page's JavaScript is off).
VIOLATION_WORDS = ("securitypolicyviolation", "Content Security Policy")


class WatchedBrowser:
    """The browser, each of whose contexts records the policy violations of its pages."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.add_init_script(script=REPORT_VIOLATIONS)
        context.on("console", self._console)
        return context

    def _console(self, message: Any) -> None:
        if message.type == "error" and any(word in message.text for word in VIOLATION_WORDS):
            self.violations.append(f"{message.text} (page {message.location.get('url')})")

    def take_violations(self) -> list[str]:
        found, self.violations = self.violations, []
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[WatchedBrowser]:
    if SERVICES.chromium is None:  # CI=true has already refused to start without it
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import expect, sync_playwright

    # Playwright gives an expect() 5 s by default. On a loaded machine an upload and its
    # check, or a page the status poll updates, can take longer, and the expectation failed
    # with the state still on its way. A true one returns at once; the limit only bounds
    # the wait for one that never comes true.
    expect.set_options(timeout=EXPECT_TIMEOUT)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=SERVICES.chromium, args=CHROMIUM_ARGS)
        yield WatchedBrowser(browser)
        browser.close()


def _violations_text(found: list[str]) -> str:
    return "Content-Security-Policy violations:\n" + "\n".join(found)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """A test that passed with a violation on one of its pages fails (not errors) here; one
    that failed otherwise shows its violations beside its error (they may be its cause)."""
    browser = getattr(item, "funcargs", {}).get("browser")
    try:
        result = yield
    except BaseException:
        if isinstance(browser, WatchedBrowser) and browser.violations:
            item.add_report_section("call", "policy", _violations_text(browser.take_violations()))
        raise
    if isinstance(browser, WatchedBrowser) and browser.violations:
        pytest.fail(_violations_text(browser.take_violations()))
    return result


@pytest.fixture(autouse=True)
def no_policy_violations(browser: WatchedBrowser) -> Iterator[None]:
    """Violations reported after the test's last step (up to its pages' closing) fail it too."""
    browser.take_violations()
    yield
    late = browser.take_violations()
    if late:
        pytest.fail(_violations_text(late))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone first
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def dollarpe_app(live_server: Any, emulator: Any, celery_worker: Any, settings: Any) -> str:
    """The live app with the DollarPe emulator calling it back and a real worker; the status
    page asks every second."""
    from tests.onboarding.browser_steps import connect

    settings.STATUS_POLL_SECONDS = 1
    connect(live_server.url)
    return str(live_server.url)
