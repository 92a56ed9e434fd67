from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_renders_on_a_phone_with_a_working_skip_link(page, live_server):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Verify your identity"
    assert page.locator("html").get_attribute("lang") == "en"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    # The focused skip link is visible on screen, not parked off-canvas.
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0


def test_healthz_is_reachable_from_the_browser(page, live_server):
    response = page.goto(live_server.url + "/healthz")
    assert response is not None
    assert response.status == 200
    assert '"status": "ok"' in page.content()
