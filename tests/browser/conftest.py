"""Headless Chromium (Debian's, driven by Playwright) against the live app."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
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
        yield browser
        browser.close()


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
