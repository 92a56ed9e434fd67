"""Staff sessions end after STAFF_SESSION_IDLE_SECONDS without a request.

A staff session opens every applicant's identity data: one left open on an unattended
screen must not stay usable for SESSION_COOKIE_AGE (two weeks). End users' sessions are not
touched: their journey spans days, and their session shows only their own data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN = "staff:last_seen"
# The time of the last request is written at most this often (seconds): a session write on
# every admin page would cost queries for nothing. The idle time is that much less exact.
TOUCH_EVERY = 60


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            self._expire_or_touch(request)
        return self.get_response(request)

    @staticmethod
    def _expire_or_touch(request: HttpRequest) -> None:
        now = int(time.time())
        seen = request.session.get(LAST_SEEN)
        if not isinstance(seen, int) or now - seen >= TOUCH_EVERY:
            request.session[LAST_SEEN] = now
        if isinstance(seen, int) and now - seen > settings.STAFF_SESSION_IDLE_SECONDS:
            logout(request)  # flushes the session; the admin then asks to log in again


def seen_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in: a staff session starts counting from its login."""
    if request is not None and getattr(user, "is_staff", False):
        request.session[LAST_SEEN] = int(time.time())
