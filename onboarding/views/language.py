"""The language switcher: Django's set_language, and the choice kept for later emails."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kyc.services.customers import verification_set_language


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
