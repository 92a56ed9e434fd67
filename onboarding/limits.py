"""Rate limits and login lockout, counted by django-ratelimit in the shared cache.

A limit is counted alike for an email address with an account and one without, and answered
with the same 429 page: no limit tells whether an account exists. The rates are
settings.RATE_LIMITS, read when counting (so a changed setting applies at once).
"""

from __future__ import annotations

import ipaddress
import logging
import math
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class Limited(Ratelimited):
    """Over a limit; `retry_after` is how many seconds until its period ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = max(1, retry_after)


def client_address(request: HttpRequest) -> str:
    """The client's address: the last entry of CLIENT_IP_HEADER (what our proxy appended;
    earlier entries are the client's to invent) when it is an address, else the peer's."""
    if settings.CLIENT_IP_HEADER:
        meta = "HTTP_" + settings.CLIENT_IP_HEADER.upper().replace("-", "_")
        last = request.META.get(meta, "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104 - not a bind address


def _rate(group: str, request: HttpRequest) -> str:
    return str(settings.RATE_LIMITS[group])


def _usage(
    request: HttpRequest, group: str, value: str | None, *, increment: bool
) -> dict[str, Any] | None:
    """The count of `group` for `value` (None: the client's address), or None when the cache
    is away: a limit is then not applied rather than every login refused."""
    key: str | Callable[[str, HttpRequest], str] = "ip" if value is None else (lambda *_: value)
    try:
        usage: dict[str, Any] | None = get_usage(
            request, group=group, key=key, rate=_rate, increment=increment
        )
    except RedisError as error:
        logger.warning("rate limit %s not counted: %s", group, type(error).__name__)
        return None
    return usage


def count(request: HttpRequest, group: str, value: str | None = None) -> None:
    """One more of `group` for `value` (None: from the client's address); raises Limited past
    the limit."""
    usage = _usage(request, group, value, increment=True)
    if usage is not None and usage["should_limit"]:
        raise Limited(usage["time_left"])


def refuse_if_used_up(request: HttpRequest, group: str, value: str | None = None) -> None:
    """Raises Limited when `group` is used up for `value`, counting nothing (a lockout counts
    only failures, and checks before each try)."""
    usage = _usage(request, group, value, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        raise Limited(usage["time_left"])


def limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """RATELIMIT_VIEW: the 429 answer, JSON for the upload script, a page for a person."""
    seconds = getattr(exception, "retry_after", 60)
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Please wait %(minutes)s minute, then try again.",
        "Please wait %(minutes)s minutes, then try again.",
        minutes,
    ) % {"minutes": minutes}
    title = _("Too many attempts")
    response: HttpResponse
    if "application/json" in request.headers.get("Accept", ""):
        text = f"{title}. {message}"
        response = JsonResponse({"accepted": False, "limited": True, "message": text}, status=429)
    else:
        context = {"title": title, "message": message, "again": request.get_full_path()}
        response = render(request, "limited.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LoginLockout(forms.Form):
    """For a login form (Django's AuthenticationForm and the admin's): an email address or a
    client address that failed too often is refused before the password is even checked, so
    the right password does not help an attacker then; each failure is counted for both."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        request = self.request
        if request is None:  # not a web login (nothing to count against)
            return super().clean() or {}
        address = str(self.cleaned_data.get("username") or "").strip().lower()
        refuse_if_used_up(request, "login", address)
        refuse_if_used_up(request, "login-ip")
        try:
            return super().clean() or {}
        except ValidationError:
            count(request, "login", address)
            count(request, "login-ip")
            raise
