"""Challenge questions: the provider's questions, answered once, never kept."""

from __future__ import annotations

import contextlib
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kyc.providers.errors import PermanentProviderError, ProviderError
from kyc.services.challenge import (
    ChallengeRefused,
    pending_questions,
    verification_answer_challenge,
)
from kyc.services.polling import verification_refresh
from onboarding.forms import ChallengeForm
from onboarding.journey import current_verification, provider_error
from onboarding.prg import again, form_data, restore_errors

logger = logging.getLogger(__name__)


@never_cache  # the page holds the questions: never kept by a browser or proxy cache
@login_required
def questions(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    asked = pending_questions(verification) if verification else []
    if verification is None or not asked:
        return redirect("onboarding:status")
    data, kept = form_data(request)
    form = ChallengeForm(data, questions=asked)
    if request.method == "POST" and not form.is_valid():
        # The answers are never kept, even for the page that shows the errors.
        return again(request, [form], drop=list(request.POST))
    if request.method != "POST" and data is not None:
        restore_errors([form], kept)
    if request.method == "POST":
        try:
            verification_answer_challenge(
                verification_id=verification.pk, answers=form.answers(), actor=request.user
            )
        except ChallengeRefused:
            messages.info(request, _("These questions are no longer waiting for an answer."))
            return redirect("onboarding:status")
        except PermanentProviderError as error:
            logger.warning("challenge answers refused: %s", error.code)
            messages.error(request, _("Our verification partner could not take your answers."))
            with contextlib.suppress(ProviderError):  # where it stands now, not stale questions
                verification_refresh(verification_id=verification.pk)
            return redirect("onboarding:status")
        except ProviderError as error:
            logger.warning("challenge answers not sent: %s", error.code)
            return provider_error(request)
        return redirect("onboarding:status")
    return render(request, "onboarding/questions.html", {"form": form})
