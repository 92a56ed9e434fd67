"""Continue on your phone: the link's landing page, the phone's photo page and its "done"
page, and, for the desktop, the live view of what arrived and "email me the link"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kyc.services.phone_links import (
    EmailLimitReached,
    minutes_left,
    phone_link_email,
    phone_link_find,
    phone_link_live,
    phone_link_redeem,
)
from onboarding import limits
from onboarding.forms import UploadsForm
from onboarding.journey import current_verification, posted, posted_files
from onboarding.phone import (
    ENDED,
    offered_expired,
    offered_link,
    phone_connected,
    phone_end,
    phone_finished,
    phone_start,
    phone_verification,
    photo_slots,
    received,
)
from onboarding.views.language import restore_language
from onboarding.views.start import next_step

# Where "Email me the link" goes back to.
BACK_TO = {"uploads": "onboarding:uploads", "fix": "onboarding:fix"}


def gone(request: HttpRequest, *, known: bool) -> HttpResponse:
    """A used, expired or replaced link (410), or one we never made (404): nothing changes."""
    context = {
        "title": _("This link no longer works"),
        "text": _(
            "This link has expired or was already used. Open the photo step on your "
            "computer to get a new one."
        ),
    }
    return render(request, "onboarding/phone_message.html", context, status=410 if known else 404)


def ran_out(request: HttpRequest) -> HttpResponse:
    """No phone session here: it ran out (the page says so), or there never was one."""
    if request.user.is_authenticated:
        return redirect("onboarding:uploads")  # their own photo step
    if request.session.get(ENDED):
        return gone(request, known=True)
    return redirect_to_login(request.get_full_path())


@never_cache
def phone_open(request: HttpRequest, token: str) -> HttpResponse:
    """GET only says what the link does (mail scanners and previews follow links: they must
    not use it up); the button POSTs, and that redeems it. A client address that opened too
    many dead or unknown links is refused for a while (the tokens cannot be guessed; this
    stops trying)."""
    limits.refuse_if_used_up(request, "phone-link")
    if request.method == "POST":
        link = phone_link_redeem(token=token)
        if link is None:
            return _dead_link(request, token)
        phone_start(request, link)
        photos = redirect("onboarding:phone_photos")
        return restore_language(request, photos, link.verification.user)
    found = phone_link_find(token=token)
    if found is None or not phone_link_live(found):
        return _dead_link(request, token)
    return render(request, "onboarding/phone_open.html")


def _dead_link(request: HttpRequest, token: str) -> HttpResponse:
    limits.count(request, "phone-link")
    return gone(request, known=phone_link_find(token=token) is not None)


@never_cache
def phone_photos(request: HttpRequest) -> HttpResponse:
    """The photo step on the phone: only the slots this onboarding needs now."""
    verification = phone_verification(request)
    if verification is None:
        return ran_out(request)
    kinds, newer_than = photo_slots(verification)
    if not kinds:
        phone_end(request, finished=True)  # moved on meanwhile (sent from the computer)
        return redirect("onboarding:phone_done")
    form = UploadsForm(
        posted(request),
        posted_files(request),
        verification=verification,
        kinds=kinds,
        request=request,
        newer_than=newer_than,
    )
    if request.method == "POST" and form.is_valid():
        phone_end(request, finished=True)
        return redirect("onboarding:phone_done")
    return render(request, "onboarding/phone_photos.html", {"form": form})


@never_cache
def phone_done(request: HttpRequest) -> HttpResponse:
    if phone_finished(request):
        return render(request, "onboarding/phone_done.html")
    verification = phone_verification(request)
    if verification is None:
        return ran_out(request)
    kinds, newer_than = photo_slots(verification)
    if set(kinds) - set(received(verification, kinds, newer_than)):
        return redirect("onboarding:phone_photos")
    phone_end(request, finished=True)
    return render(request, "onboarding/phone_done.html")


@never_cache
@login_required
def phone_live(request: HttpRequest) -> JsonResponse:
    """What the desktop's photo step follows: the slots filled (from any device), whether a
    phone is connected, and where to go once every slot is in."""
    verification = current_verification(request)
    if verification is None:
        return JsonResponse({"received": {}, "done": False}, status=404)
    kinds, newer_than = photo_slots(verification)
    found = received(verification, kinds, newer_than)
    done = not kinds or not set(kinds) - set(found)
    return JsonResponse(
        {
            "received": {kind: str(pk) for kind, pk in found.items()},
            "done": done,
            "next": reverse(next_step(verification)) if done else "",
            "connected": phone_connected(verification),
            "expired": offered_expired(request, verification),
        }
    )


@require_POST
@login_required
def phone_email(request: HttpRequest) -> HttpResponse:
    """Email the link this desktop shows to the user's own address (nothing else is taken)."""
    verification = current_verification(request)
    back = BACK_TO.get(request.POST.get("back", ""), "onboarding:uploads")
    offered = offered_link(request, verification) if verification else None
    if offered is None:
        messages.error(request, _("This link has expired. Here is a new one."))
        return redirect(back)
    link, token = offered
    url = request.build_absolute_uri(reverse("onboarding:phone_open", args=[token]))
    try:
        phone_link_email(link=link, url=url, actor=request.user)
    except EmailLimitReached:
        context = {
            "title": _("Too many emails"),
            "text": _(
                "We have already emailed you this link several times in the last hour. "
                "Please use the QR code or the link on the page, or try again later."
            ),
            "back": reverse(back),
        }
        return render(request, "onboarding/phone_message.html", context, status=429)
    minutes = minutes_left(link)
    text = ngettext(
        "We emailed you the link. Open it on your phone within %(minutes)s minute.",
        "We emailed you the link. Open it on your phone within %(minutes)s minutes.",
        minutes,
    )
    messages.success(request, text % {"minutes": minutes})
    return redirect(back)
