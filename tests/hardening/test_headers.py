"""The Content-Security-Policy header on end-user pages and the admin (django-csp).

No inline script or style may run: script-src and style-src are 'self' alone, with no
'unsafe-*' anywhere. What the browser legitimately reaches is allowed by name: the documents
bucket (direct upload, staff previews), Rebilly's gatherer (the hand-off form's redirect).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kyc.models import Document
from kyc.providers.rebilly.adapter import gatherer_allowed
from kyc.services.documents import document_presign, documents_storage
from onboarding.csp import origin
from tests.admin.conftest import ROLES, staff_client
from tests.onboarding.conftest import local_verification, make_user

pytestmark = pytest.mark.django_db

END_USER_PAGES = ["home", "onboarding:login", "onboarding:signup", "onboarding:password_reset"]
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Markup the policy would block: a <script> without src, <style>, style="", on...="", javascript:.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def assert_no_inline_code_allowed(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not [source for sources in policy.values() for source in sources if "unsafe" in source]


@pytest.mark.parametrize("name", END_USER_PAGES)
def test_end_user_pages_forbid_inline_code(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_no_inline_code_allowed(directives(response))


def test_the_not_found_page_forbids_inline_code(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_no_inline_code_allowed(directives(response))


def test_journey_pages_allow_the_bucket_the_browser_uploads_to(client: Client) -> None:
    user = make_user()
    verification = local_verification(user)
    client.force_login(user)
    response = client.get(reverse("onboarding:uploads"))
    assert response.status_code == 200
    policy = directives(response)
    assert_no_inline_code_allowed(policy)
    ticket = document_presign(
        verification=verification, kind=Document.Kind.FRONT, content_type="image/jpeg"
    )
    # The presigned POST goes there from the page's script; the preview of the chosen photo
    # is a blob: URL; nothing else.
    assert policy["connect-src"] == ["'self'", origin(ticket.url)]
    assert policy["img-src"] == ["'self'", "blob:", origin(ticket.url)]
    assert origin(ticket.url) == origin(settings.AWS_S3_ENDPOINT_URL)


def test_admin_pages_forbid_inline_code_and_show_previews_from_the_bucket() -> None:
    client, _member = staff_client(ROLES.OFFICER)
    for url in (reverse("admin:index"), reverse("admin:kyc_verification_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        assert_no_inline_code_allowed(policy)
        preview = documents_storage().url("documents/any/front/key")  # a staff preview's URL
        assert origin(preview) in policy["img-src"]


def test_the_admin_login_page_has_the_policy(client: Client) -> None:
    response = client.get(reverse("admin:login"))
    assert_no_inline_code_allowed(directives(response))


def test_forms_may_lead_only_here_and_to_the_gatherer(client: Client) -> None:
    form_action = directives(client.get(reverse("home")))["form-action"]
    gatherers = [f"https://{host}/kyc/x" for host in settings.REBILLY_GATHERER_HOSTS]
    if settings.REBILLY_SANDBOX:
        gatherers.append(settings.REBILLY_BASE_URL + "/kyc/x")
    assert all(gatherer_allowed(url) for url in gatherers)
    assert form_action == ["'self'", *sorted({origin(url) for url in gatherers})]


def test_templates_hold_no_inline_code() -> None:
    """What the policy forbids is not in our pages (Django's admin templates have none)."""
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in INLINE_CODE.finditer(path.read_text())
    ]
    assert found == []
