"""The language switcher: Django's set_language, and the choice kept for later emails."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kyc.services.customers import verification_set_language
from kyc.services.notify import user_language


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Sets the language cookie and goes back to the page (`next`, else the Referer, when it
    is ours); a signed-in user's verification keeps the choice for emails sent later.

    Only the languages offered are taken (Django's view would take any it has a catalog for).
    """
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Choose one of the languages offered."))
    response = django_set_language(request)
    if request.user.is_authenticated:
        verification_set_language(user=request.user, language=language)
    return response


def restore_language(request: HttpRequest, response: HttpResponse, user: Any) -> HttpResponse:
    """Signing in on a device where no language was chosen brings back the account's
    choice; a choice made on this device (the cookie) stands."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES):
        return response
    language = user_language(user)
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
        )
    return response
