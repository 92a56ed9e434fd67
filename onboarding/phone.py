"""Continue on your phone: the offer on the desktop, and the phone's narrowly scoped session.

Redeeming a link does not log the phone in. It leaves a marker in the phone's session (the
link and the verification, and until when), and only the photo-step views accept it in place
of a login (`photo_step`); everywhere else the phone is anonymous. The marker dies when the
photos are in or PHONE_LINK_MINUTES after redemption, and logging in drops it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from kyc.fields import decrypt, encrypt
from kyc.models import Document, PhoneLink, Status, Verification
from kyc.services.corrections import fix_kind
from kyc.services.phone_links import minutes_left, phone_link_create, phone_link_live, window
from onboarding.journey import active_submission, current_verification, fix_uploads, upload_kinds

MARKER = "kyc_phone"  # in the phone's session: {"link", "verification", "until"}
FINISHED = "kyc_phone_finished"  # in the phone's session once the photos are in: no access
ENDED = "kyc_phone_ended"  # in the phone's session once its time ran out: no access
OFFER = "kyc_phone_offer"  # in the desktop's session: {"link", "sealed"} (the token, encrypted)
# Phones and small tablets by their User-Agent or Client Hint; the CSS hides the offer on
# any other touch-only device.
PHONE_AGENT = re.compile(r"Mobi|Android|iPhone|iPod|Opera Mini|IEMobile", re.IGNORECASE)
FRESH_FOR = 120  # seconds: a link with less left is replaced when the page is shown again


# --- The phone's side ------------------------------------------------------------------------
def phone_start(request: HttpRequest, link: PhoneLink) -> None:
    """After redemption: a fresh session holding only the marker (anyone signed in on this
    browser is signed out: the phone acts for this onboarding alone)."""
    logout(request)  # flushes the session and gives it a new key
    until = time.time() + window().total_seconds()
    request.session[MARKER] = {
        "link": link.pk,
        "verification": link.verification_id,
        "until": until,
    }
    request.session.set_expiry(int(window().total_seconds()))


def phone_marker(request: HttpRequest) -> dict[str, Any] | None:
    marker = request.session.get(MARKER)
    return marker if isinstance(marker, dict) and {"link", "verification"} <= set(marker) else None


def phone_verification(request: HttpRequest) -> Verification | None:
    """The onboarding this phone may send photos for, or None (no marker, or it ran out)."""
    marker = phone_marker(request)
    if marker is None:
        return None
    if float(marker.get("until", 0)) <= time.time():
        phone_end(request, finished=False)
        return None
    link = (
        PhoneLink.objects.select_related("verification")
        .filter(pk=int(marker["link"]), verification_id=int(marker["verification"]))
        .exclude(used_at__isnull=True)
        .first()
    )
    return link.verification if link else None


def phone_end(request: HttpRequest, *, finished: bool) -> None:
    """The phone session is over; what is left says only how it ended (for its page)."""
    request.session.flush()
    request.session[FINISHED if finished else ENDED] = True
    request.session.set_expiry(int(window().total_seconds()))


def phone_finished(request: HttpRequest) -> bool:
    return bool(request.session.get(FINISHED))


def photo_verification(request: HttpRequest) -> Verification | None:
    """For the photo-step views: the signed-in user's onboarding, else the phone marker's."""
    if request.user.is_authenticated:
        return current_verification(request)
    return phone_verification(request)


def photo_step(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like login_required, except that a phone marker will do as well."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated or phone_verification(request) is not None:
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return wrapped


def drop_marker_on_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A person who logs in on the phone is themselves again, not a link's delegate."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(MARKER, None)


# --- What the photo step asks for ------------------------------------------------------------
def photo_slots(verification: Verification) -> tuple[list[str], datetime | None]:
    """The files this onboarding can send now, and the moment they must be newer than.

    Before the first submission: the provider's kinds. After a failure that a new file
    fixes: those files, received after the failure. Otherwise nothing.
    """
    if active_submission(verification):
        return [], None
    if verification.status == Status.UNVERIFIED:
        return upload_kinds(verification), None
    if verification.status == Status.FAILED and verification.corrections_left != 0:
        return fix_uploads(verification, fix_kind(verification)), verification.status_changed_at
    return [], None


def received(verification: Verification, kinds: list[str], newer_than: Any) -> dict[str, int]:
    """The newest accepted document of each of `kinds` (newer than `newer_than`)."""
    documents = Document.objects.filter(
        verification=verification, state=Document.State.ACCEPTED, kind__in=kinds
    )
    if newer_than is not None:
        documents = documents.filter(created_at__gt=newer_than)
    found: dict[str, int] = {}
    for kind, pk in documents.order_by("-created_at").values_list("kind", "pk"):
        found.setdefault(kind, pk)
    return found


# --- The desktop's side ----------------------------------------------------------------------
def on_phone(request: HttpRequest) -> bool:
    """The server's hint: this browser is a phone, which has a camera already."""
    if request.headers.get("Sec-CH-UA-Mobile") == "?1":
        return True
    return bool(PHONE_AGENT.search(request.headers.get("User-Agent", "")))


def phone_offer(request: HttpRequest, verification: Verification, page: str) -> dict[str, Any]:
    """What the photo step shows a desktop: the QR code and the link ({} on a phone).

    The link is kept (encrypted) in the desktop's session, so showing the page again shows
    the same code and the link emailed from it keeps working, until it is used or runs low.
    """
    if on_phone(request):
        return {}
    link, token = _current_link(request, verification)
    url = request.build_absolute_uri(reverse("onboarding:phone_open", args=[token]))
    return {
        "url": url,
        "qr": qr_svg(url),
        "minutes": minutes_left(link),
        "page": page,
        "live_url": reverse("onboarding:phone_live"),
        "poll_seconds": settings.STATUS_POLL_SECONDS,
    }


def _current_link(request: HttpRequest, verification: Verification) -> tuple[PhoneLink, str]:
    kept = _kept_link(request, verification)
    if kept is not None:
        link, token = kept
        left = (link.expires_at - timezone.now()).total_seconds()
        if phone_link_live(link) and left > FRESH_FOR:
            return link, token
    link, token = phone_link_create(verification=verification, actor=request.user)
    request.session[OFFER] = {"link": link.pk, "sealed": encrypt(token)}
    return link, token


def _kept_link(request: HttpRequest, verification: Verification) -> tuple[PhoneLink, str] | None:
    """The link this desktop last showed (any state) and its token."""
    kept = request.session.get(OFFER)
    if not isinstance(kept, dict) or not {"link", "sealed"} <= set(kept):
        return None
    link = PhoneLink.objects.filter(pk=int(kept["link"]), verification=verification).first()
    return (link, decrypt(str(kept["sealed"]))) if link else None


def offered_link(request: HttpRequest, verification: Verification) -> tuple[PhoneLink, str] | None:
    """The link this desktop shows, if it can still be used."""
    kept = _kept_link(request, verification)
    return kept if kept is not None and phone_link_live(kept[0]) else None


def offered_expired(request: HttpRequest, verification: Verification) -> bool:
    """The code this desktop shows can no longer be used, and no phone used it."""
    kept = _kept_link(request, verification)
    if kept is None:
        return request.session.get(OFFER) is not None
    return kept[0].used_at is None and not phone_link_live(kept[0])


def phone_connected(verification: Verification) -> bool:
    """A phone opened one of this onboarding's links and may still be sending photos."""
    since = timezone.now() - window()
    return verification.phone_links.filter(used_at__gt=since).exists()


def qr_svg(url: str) -> SafeString:
    """The URL as an inline SVG QR code (segno's own markup: no outside text in it)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=5, border=4, dark="#000", light="#fff", omitsize=False)
    return mark_safe(svg)  # noqa: S308 - markup generated here, the URL only as modules
