"""Continue on your phone: the offer, single-use links, the phone's narrow session, the email.

The phone is a second test client with no login: it only ever holds what redeeming a link
put in its session. Concurrency runs against the live server, two real HTTP requests.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from html import unescape
from typing import Any

import pytest
import requests
import segno
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kyc.models import AuditEvent, PhoneLink
from kyc.services.phone_links import phone_link_create
from onboarding.phone import MARKER
from tests.access.urls import Route, routes, url_of
from tests.onboarding.conftest import PASSWORD, local_verification, make_user, store
from tests.onboarding.test_fix import fail
from tests.onboarding.test_uploads import presigned_upload
from tests.support import images

pytestmark = pytest.mark.django_db
UPLOADS = reverse("onboarding:uploads")
GONE_TEXT = (
    "This link has expired or was already used. Open the photo step on your computer to get "
    "a new one."
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def shown_link(html: str) -> str:
    found = re.search(r'id="phone-link" value="([^"]+)"', html)
    assert found, "no phone link on the page"
    return unescape(found.group(1))


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def open_url(token: str) -> str:
    return reverse("onboarding:phone_open", args=[token])


def phone_for(verification: Any) -> Client:
    """A phone that redeemed a fresh link of `verification` through the real views."""
    _link, token = phone_link_create(verification=verification, actor=verification.user)
    phone = Client(HTTP_USER_AGENT=IPHONE)
    response = phone.post(open_url(token))
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("onboarding:phone_photos")
    return phone


def actions(verification: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(verification=verification)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


# --- The offer on the desktop ------------------------------------------------------------------
def test_the_desktop_photo_step_shows_a_qr_code_of_the_absolute_link(signed_in, user):
    verification = local_verification(user)
    html = signed_in.get(UPLOADS).content.decode()
    url = shown_link(html)
    assert url.startswith("http://testserver/verify/phone/")
    token = token_of(url)
    # The QR code on the page is exactly segno's code of that URL.
    regenerated = segno.make(url, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff"
    )
    assert regenerated in html
    link = PhoneLink.objects.get(verification=verification)
    assert link.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(PhoneLink.objects.values_list()))
    assert (link.expires_at - link.created_at).total_seconds() == pytest.approx(15 * 60, abs=2)
    assert "Email me the link" in html
    assert actions(verification) == ["phone_link_created"]


def test_showing_the_page_again_shows_the_same_link(signed_in, user):
    local_verification(user)
    first = shown_link(signed_in.get(UPLOADS).content.decode())
    assert shown_link(signed_in.get(UPLOADS).content.decode()) == first
    assert PhoneLink.objects.count() == 1


def test_a_phone_is_not_offered_to_continue_on_a_phone(client, user):
    local_verification(user)
    client.force_login(user)
    html = client.get(UPLOADS, HTTP_USER_AGENT=IPHONE).content.decode()
    assert "data-phone-offer" not in html
    assert "data-upload-form" in html
    assert not PhoneLink.objects.exists()


def test_a_fix_that_asks_for_a_new_selfie_offers_the_phone_too(signed_in, user):
    verification = fail(local_verification(user), "SELFIE_VERIFICATION_FAILED")
    html = signed_in.get(reverse("onboarding:fix")).content.decode()
    token = token_of(shown_link(html))
    phone = Client(HTTP_USER_AGENT=IPHONE)
    phone.post(open_url(token))
    page = phone.get(reverse("onboarding:phone_photos")).content.decode()
    assert 'name="selfie"' in page
    assert 'name="document_front"' not in page
    assert 'name="tax_number"' not in page
    assert verification.phone_links.get().used_at is not None


def test_a_fix_without_photos_offers_nothing(signed_in, user):
    fail(local_verification(user), "TAX_VERIFICATION_FAILED")
    html = signed_in.get(reverse("onboarding:fix")).content.decode()
    assert "data-phone-offer" not in html
    assert not PhoneLink.objects.exists()


# --- Single use, expiry, revocation -----------------------------------------------------------
def test_opening_the_link_changes_nothing_until_the_button_is_pressed(client, user):
    verification = local_verification(user)
    link, token = phone_link_create(verification=verification, actor=user)
    page = client.get(open_url(token))
    assert page.status_code == 200
    assert "Start taking photos" in page.content.decode()
    link.refresh_from_db()
    assert link.used_at is None
    assert MARKER not in client.session


def test_the_phone_opens_in_the_language_the_applicant_chose(user):
    verification = local_verification(user, language="hi")
    phone = phone_for(verification)
    assert phone.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    html = phone.get(reverse("onboarding:phone_photos")).content.decode()
    assert '<html lang="hi"' in html


def test_a_used_link_is_gone_and_changes_nothing(client, user):
    verification = local_verification(user)
    link, token = phone_link_create(verification=verification, actor=user)
    phone_for_token = Client()
    assert phone_for_token.post(open_url(token)).status_code == 302
    link.refresh_from_db()
    used_at = link.used_at
    for method in (client.get, client.post):
        response = method(open_url(token))
        assert response.status_code == 410
        assert GONE_TEXT in response.content.decode()
    assert MARKER not in client.session
    link.refresh_from_db()
    assert link.used_at == used_at
    assert actions(verification).count("phone_link_redeemed") == 1


def test_an_expired_link_is_gone_and_changes_nothing(client, user):
    verification = local_verification(user)
    link, token = phone_link_create(verification=verification, actor=user)
    PhoneLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    for method in (client.get, client.post):
        response = method(open_url(token))
        assert response.status_code == 410
        assert GONE_TEXT in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None
    assert MARKER not in client.session
    assert "phone_link_redeemed" not in actions(verification)


def test_an_unknown_link_is_not_found(client, user):
    local_verification(user)
    response = client.post(open_url("x" * 43))
    assert response.status_code == 404
    assert GONE_TEXT in response.content.decode()
    assert MARKER not in client.session


def test_a_new_link_revokes_the_older_unused_one(client, user):
    verification = local_verification(user)
    _old, old_token = phone_link_create(verification=verification, actor=user)
    _new, new_token = phone_link_create(verification=verification, actor=user)
    assert client.post(open_url(old_token)).status_code == 410
    assert client.post(open_url(new_token)).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_two_phones_racing_on_one_link_only_one_wins(live_server):
    user = make_user()
    verification = local_verification(user)
    link, token = phone_link_create(verification=verification, actor=user)
    url = live_server.url + open_url(token)
    sessions = [requests.Session() for _ in range(2)]
    for session in sessions:
        assert session.get(url, timeout=10).status_code == 200  # the CSRF cookie
    start = threading.Barrier(2)
    statuses: list[int] = []

    def press(session: requests.Session) -> None:
        data = {"csrfmiddlewaretoken": session.cookies["csrftoken"]}
        start.wait()
        response = session.post(url, data=data, allow_redirects=False, timeout=10)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=press, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(statuses) == [302, 410]
    assert PhoneLink.objects.filter(pk=link.pk, used_at__isnull=False).count() == 1
    assert actions(verification).count("phone_link_redeemed") == 1


# --- The phone's session ----------------------------------------------------------------------
def test_the_phone_sends_the_photos_then_its_session_ends(user):
    verification = local_verification(user)
    phone = phone_for(verification)
    assert phone.session.get("_auth_user_id") is None
    assert phone.session.get_expiry_age() <= 15 * 60
    answer = presigned_upload(phone, "document_front", images.jpeg())
    assert answer["accepted"] is True
    files = {
        "document_back": SimpleUploadedFile("back.png", images.png(), "image/png"),
        "selfie_camera": SimpleUploadedFile("me.jpg", images.jpeg(), "image/jpeg"),
        "document_front_id": str(answer["document"]),
    }
    response = phone.post(reverse("onboarding:phone_photos"), files)
    assert response["Location"] == reverse("onboarding:phone_done")
    done = phone.get(reverse("onboarding:phone_done"))
    assert "Go back to your computer" in done.content.decode()
    accepted = verification.documents.filter(state="accepted")
    assert sorted(accepted.values_list("kind", flat=True)) == [
        "document_back",
        "document_front",
        "selfie",
    ]
    # Done: the marker is gone, so the photo step refuses this phone again.
    assert MARKER not in phone.session
    again = phone.post(reverse("onboarding:presign"), {"kind": "selfie"})
    assert again.status_code == 302
    assert again["Location"].startswith(reverse("onboarding:login"))


def test_the_phone_session_ends_when_its_time_is_up(user):
    verification = local_verification(user)
    phone = phone_for(verification)
    session = phone.session
    session[MARKER] = {**session[MARKER], "until": time.time() - 1}
    session.save()
    response = phone.get(reverse("onboarding:phone_photos"))
    assert response.status_code == 410
    assert GONE_TEXT in response.content.decode()
    assert phone.post(reverse("onboarding:presign"), {"kind": "selfie"}).status_code == 302


def test_logging_in_on_the_phone_drops_the_marker(user):
    verification = local_verification(user)
    phone = phone_for(verification)
    other = make_user()
    phone.post(reverse("onboarding:login"), {"username": other.email, "password": PASSWORD})
    assert phone.session.get("_auth_user_id") == str(other.pk)
    assert MARKER not in phone.session


def _all_routes(verification: Any, document: Any) -> list[tuple[str, str]]:
    """(label, URL) of every route the site has, read from the URLconf, its parameters
    pointing at the phone's own onboarding."""

    def value_of(route: Route, parameter: str) -> str:
        fixed = {
            "document_id": str(document.pk),
            "request_id": "1",  # an approval request (four eyes): staff pages, never the phone's
            "token": "guessed-" + "t" * 40,
            "uidb64": "MQ",
            "object_id": str(verification.pk),
            "content_type_id": str(ContentType.objects.get_for_model(PhoneLink).pk),
            "app_label": "kyc",
            "action": "refresh",
            "id": str(verification.user.pk),
        }
        if parameter not in fixed:
            pytest.fail(f"{route.label}: no test value for <{parameter}>")
        return fixed[parameter]

    found: list[tuple[str, str]] = []
    for namespace in ("onboarding", "admin"):
        for route in routes(namespace):
            if route.is_regex and not route.name:
                found.append((route.label, "/admin/kyc/no-such-page/"))
            else:
                found.append((route.label, url_of(route, value_of)))
    for entry in get_resolver().url_patterns:  # the routes outside any namespace
        if isinstance(entry, URLPattern):
            kwargs = (
                {"provider": "dollarpe"} if "provider" in entry.pattern.regex.groupindex else {}
            )
            found.append((str(entry.name), reverse(str(entry.name), kwargs=kwargs)))
        else:
            assert isinstance(entry, URLResolver)
    return found


# What the marker opens: the phone's photo page, its uploads and its "done" page.
PHOTO_STEP = {
    "onboarding:phone_photos",
    "onboarding:presign",
    "onboarding:check",
    "onboarding:phone_done",
}


def test_the_phone_marker_opens_nothing_but_the_photo_step(user):
    """Every route, GET and POST: the phone gets what an anonymous visitor gets."""
    verification = local_verification(user, full_name="Ishaan Phonetest")
    document = store(verification, "selfie", images.jpeg())
    walk = _all_routes(verification, document)
    labels = {label for label, _url in walk}
    assert PHOTO_STEP | {"onboarding:profile", "onboarding:kyc", "onboarding:bank"} <= labels
    assert {"onboarding:status", "admin:index", "home", "webhook"} <= labels
    secrets = [verification.full_name, verification.email, verification.phone]
    problems: list[tuple[Any, ...]] = []
    for label, url in walk:
        if label in PHOTO_STEP:
            continue
        phone = phone_for(verification)
        for method in ("get", "post"):
            anonymous = getattr(Client(), method)(url)
            answer = getattr(phone, method)(url)
            seen = (answer.status_code, answer.get("Location"))
            expected = (anonymous.status_code, anonymous.get("Location"))
            if seen != expected:
                problems.append((method, label, seen, expected))
            body = answer.content.decode(errors="replace")
            problems += [(method, label, "shows", s) for s in secrets if s in body]
            if phone.session.get("_auth_user_id") is not None:
                problems.append((method, label, "signed in", None))
    assert problems == []


def test_the_marker_does_open_the_photo_step(user):
    verification = local_verification(user)
    document = store(verification, "selfie", images.jpeg())
    phone = phone_for(verification)
    assert phone.get(reverse("onboarding:phone_photos")).status_code == 200
    asked = {"kind": "selfie", "content_type": "image/jpeg"}
    assert phone.post(reverse("onboarding:presign"), asked).status_code == 200
    checked = phone.post(reverse("onboarding:check", args=[document.pk]))
    assert checked.json()["accepted"] is True
    # Another onboarding's document stays out of reach.
    stranger = store(local_verification(make_user()), "selfie", images.png())
    assert phone.post(reverse("onboarding:check", args=[stranger.pk])).status_code == 404


# --- The desktop follows ----------------------------------------------------------------------
def test_the_live_answer_says_what_arrived_and_where_to_go_next(signed_in, user):
    verification = local_verification(user)
    live = reverse("onboarding:phone_live")
    assert signed_in.get(live).json() == {
        "received": {},
        "done": False,
        "next": "",
        "connected": False,
        "expired": False,
    }
    signed_in.get(UPLOADS)  # shows a link
    phone = phone_for(verification)  # a newer link, opened
    front = store(verification, "document_front", images.jpeg())
    answer = signed_in.get(live).json()
    assert answer["received"] == {"document_front": str(front.pk)}
    assert (answer["done"], answer["connected"], answer["expired"]) == (False, True, True)
    store(verification, "document_back", images.png())
    store(verification, "selfie", images.jpeg())
    answer = signed_in.get(live).json()
    assert (answer["done"], answer["next"]) == (True, reverse("onboarding:kyc"))
    assert phone.get(reverse("onboarding:phone_done")).status_code == 200


# --- Email ------------------------------------------------------------------------------------
@pytest.fixture
def committed(django_capture_on_commit_callbacks, eager_tasks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_link_is_emailed_as_plain_text_to_the_users_own_address(client, committed):
    user = make_user()
    verification = local_verification(user, full_name="Asha O'Neil & Co")
    client.force_login(user)
    url = shown_link(client.get(UPLOADS).content.decode())
    with committed():
        response = client.post(
            reverse("onboarding:phone_email"), {"back": "uploads", "email": "thief@example.com"}
        )
    assert response["Location"] == UPLOADS
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Your link to continue on your phone"
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", [])
    assert "Hello Asha O'Neil & Co," in message.body
    assert f"\n{url}\n" in message.body
    assert "&amp;" not in message.body
    assert "&#x27;" not in message.body
    assert "The link works once, and only for 15 minutes." in message.body
    link = verification.phone_links.get()
    assert link.emailed_at is not None
    assert actions(verification) == ["phone_link_created", "phone_link_emailed"]
    page = client.get(UPLOADS).content.decode()
    assert "We emailed you the link." in page


def test_emailing_the_link_is_rate_limited(client, committed, settings):
    settings.PHONE_LINK_EMAILS_PER_HOUR = 2
    user = make_user()
    verification = local_verification(user)
    client.force_login(user)
    client.get(UPLOADS)
    email = reverse("onboarding:phone_email")
    for _ in range(2):
        with committed():
            assert client.post(email, {"back": "uploads"}).status_code == 302
    with committed():
        refused = client.post(email, {"back": "uploads"})
    assert refused.status_code == 429
    assert "We have already emailed you this link several times" in refused.content.decode()
    assert len(mail.outbox) == 2
    assert actions(verification).count("phone_link_emailed") == 2


def test_a_dead_link_is_not_emailed(client, committed):
    user = make_user()
    verification = local_verification(user)
    client.force_login(user)
    client.get(UPLOADS)
    verification.phone_links.update(expires_at=timezone.now())
    with committed():
        response = client.post(reverse("onboarding:phone_email"), {"back": "nowhere"})
    assert response["Location"] == UPLOADS
    assert mail.outbox == []
    assert "phone_link_emailed" not in actions(verification)
