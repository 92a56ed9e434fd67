"""The back office needs a staff account: everyone else gets the login page, never data.

Every admin URL (the model pages, the dashboard, the CSV export, the staff actions,
webhook reprocessing) is read from the URLconf and asked with GET and POST by an
anonymous visitor and by a signed-in user who is not staff.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kyc.models import ApprovalRequest, AuditEvent, ProviderCall
from tests.access.conftest import Victim, leaks
from tests.access.urls import Route, routes, url_of
from tests.support import builders

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "logout", "jsi18n"}
ADMIN = routes("admin")


def _values(victim: Victim) -> Any:
    verification = victim.verification
    group = Group.objects.create(name="access-test")
    officer = get_user_model().objects.create_user("access-officer", is_staff=True)
    request = ApprovalRequest.objects.create(
        action=ApprovalRequest.Action.RESET,
        reason="access test",
        requested_by=officer,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    request.verifications.add(verification)
    objects = {
        "admin/kyc/verification/": verification.pk,
        "admin/kyc/webhookevent/": victim.webhook.pk,
        "admin/kyc/providercall/": ProviderCall.objects.filter(verification=verification)[0].pk,
        "admin/kyc/auditevent/": AuditEvent.objects.filter(verification=verification)[0].pk,
        "admin/auth/user/": victim.user.pk,
        "admin/auth/group/": group.pk,
        "admin/kyc/approvalrequest/": request.pk,
    }
    fixed = {
        "action": "refresh",
        "document_id": 1,  # never reached: the admin asks for a staff login first
        "request_id": request.pk,  # an approval request about the victim
        "app_label": "kyc",
        "content_type_id": ContentType.objects.get_for_model(verification).pk,
        "id": victim.user.pk,
    }

    def value_of(route: Route, parameter: str) -> str:
        if parameter == "object_id":
            if route.name == "view_on_site":
                return str(verification.pk)
            prefix = next((p for p in objects if route.route.startswith(p)), None)
            if prefix is None:
                pytest.fail(f"{route.label}: no object of the victim's for {route.route}")
            return str(objects[prefix])
        if parameter not in fixed:
            pytest.fail(f"{route.label}: no test value for <{parameter}>; add one in {__name__}")
        return str(fixed[parameter])

    return value_of


def _urls(victim: Victim) -> list[tuple[Route, str]]:
    value_of = _values(victim)
    found = []
    for route in ADMIN:
        if route.is_regex and not route.name:  # the admin's catch-all
            found.append((route, "/admin/kyc/no-such-page/"))
        else:
            found.append((route, url_of(route, value_of)))
    return found


def test_the_walk_covers_the_back_office() -> None:
    names = {route.name for route in ADMIN}
    expected = {
        "kyc_verification_changelist",
        "kyc_verification_change",
        "kyc_verification_dashboard",
        "kyc_verification_export",
        "kyc_verification_staff_action",
        "kyc_verification_document_review",
        "kyc_webhookevent_reprocess",
    }
    assert expected | PUBLIC <= names


@pytest.mark.parametrize("who", ["anonymous", "signed-in, not staff"])
def test_the_admin_shows_nothing_without_a_staff_account(
    client: Client, victim: Victim, who: str
) -> None:
    user: Any = builders.new_user() if who != "anonymous" else None
    login = reverse("admin:login")
    problems: list[tuple[str, str, int, Any]] = []
    for route, url in _urls(victim):
        for method in ("get", "post"):
            if user is not None:
                client.force_login(user)
            response = getattr(client, method)(url)
            to_login = response.status_code == 302 and response["Location"].startswith(login)
            refused = to_login or response.status_code in {403, 404, 405}
            if route.name not in PUBLIC and not refused:
                problems.append((method, url, response.status_code, "not refused"))
            if user is not None:
                client.force_login(user)
            final = getattr(client, method)(url, follow=True)
            found = leaks(final.content, victim.secrets)
            if final.status_code >= 500 or found:
                problems.append((method, url, final.status_code, found))
    assert problems == []


def test_staff_do_see_the_victim_so_the_search_is_not_blind(client: Client, victim: Victim) -> None:
    staff: Any = builders.new_user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = client.get(reverse("admin:kyc_verification_change", args=[victim.verification.pk]))
    assert page.status_code == 200
    assert victim.verification.full_name in leaks(page.content, victim.secrets)
