"""The journey's steps for one applicant, from their provider's capabilities.

In-app collection (DollarPe) asks, in our pages, for the profile, photos of exactly the
document kinds the provider takes, then the details form. Hosted collection hands the
applicant to the provider's own pages after the profile. Then comes the identity check
(the status page, with any fix), challenge questions where the provider asked some, and
the bank step where the provider verifies bank accounts.

`stepper()` is what the stepper on every journey page shows: each step done, current or
still to come, counted in this applicant's own journey.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kyc.models import AuditEvent, CustomerState, Status, Verification
from kyc.providers.interface import Capabilities
from kyc.providers.registry import capabilities, enabled
from kyc.services.challenge import pending_questions
from kyc.services.customers import routing_frozen
from onboarding.journey import (
    Progress,
    active_submission,
    latest_documents,
    progress_of,
    upload_kinds,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

PROFILE, UPLOADS, DETAILS, HOSTED = "profile", "uploads", "details", "hosted"
QUESTIONS, CHECK, BANK = "questions", "check", "bank"
DONE, CURRENT, UPCOMING = "done", "current", "upcoming"


@dataclass(frozen=True)
class Step:
    key: str
    url_name: str
    title: StrOrPromise
    label: StrOrPromise  # its short name in the stepper


STEPS = {
    PROFILE: Step(PROFILE, "onboarding:profile", _("Your details"), _("Profile")),
    UPLOADS: Step(UPLOADS, "onboarding:uploads", _("Photos of your documents"), _("Photos")),
    DETAILS: Step(DETAILS, "onboarding:kyc", _("Your identity details"), _("Details")),
    # The hand-off to the provider's own pages (Capabilities.collection == "hosted").
    HOSTED: Step(
        HOSTED, "onboarding:hosted", _("Continue with our verification partner"), _("Documents")
    ),
    QUESTIONS: Step(QUESTIONS, "onboarding:questions", _("A few questions"), _("Questions")),
    CHECK: Step(CHECK, "onboarding:status", _("Your verification"), _("Identity check")),
    BANK: Step(BANK, "onboarding:bank", _("Your bank account"), _("Bank account")),
}


def journey_steps(caps: Capabilities, *, questions: bool = False) -> list[Step]:
    """The whole journey, in order; `questions`: the provider asked this applicant some."""
    keys = [PROFILE]
    if caps.collection == "hosted":
        keys.append(HOSTED)
    else:
        keys += [UPLOADS] if caps.document_kinds else []
        keys.append(DETAILS)
    keys += [QUESTIONS] if questions and caps.challenge_questions else []
    keys.append(CHECK)
    keys += [BANK] if caps.banking else []
    return [STEPS[key] for key in keys]


def capabilities_for(verification: Verification | None) -> Capabilities:
    """The applicant's provider's; before the profile routes them, the default one's."""
    name = verification.provider if verification else settings.KYC_DEFAULT_PROVIDER
    return capabilities(name)


def asked_questions(verification: Verification | None) -> bool:
    """The provider asks this applicant questions now, or did (a step of their journey)."""
    if verification is None or not capabilities(verification.provider).challenge_questions:
        return False
    answered = AuditEvent.objects.filter(verification=verification, action="challenge_answered")
    return bool(pending_questions(verification)) or answered.exists()


@dataclass(frozen=True)
class StepView:
    number: int
    key: str
    label: StrOrPromise
    state: str  # DONE, CURRENT or UPCOMING
    url: str = ""  # a done step the applicant may go back to


@dataclass(frozen=True)
class Stepper:
    steps: list[StepView]

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def current(self) -> StepView | None:
        return next((step for step in self.steps if step.state == CURRENT), None)


def stepper(
    verification: Verification | None, page: str = "", progress: Progress | None = None
) -> Stepper:
    """The stepper of a page: `page` is its step; without one (the status page), the step
    is where the verification stands (`progress`, worked out here when not given)."""
    steps = journey_steps(capabilities_for(verification), questions=asked_questions(verification))
    keys = [step.key for step in steps]
    current = page or standing(verification, progress)
    # Every step is done once the last one is (verified, with no bank step to come).
    at = keys.index(current) if current in keys else len(keys)
    return Stepper([_view(verification, step, index, at) for index, step in enumerate(steps)])


def _view(verification: Verification | None, step: Step, index: int, at: int) -> StepView:
    state = DONE if index < at else CURRENT if index == at else UPCOMING
    url = _back_url(verification, step.key) if state == DONE else ""
    return StepView(index + 1, step.key, step.label, state, url)


def standing(verification: Verification | None, progress: Progress | None = None) -> str:
    """The step a verification is at ("" once every step is done)."""
    if verification is None:
        return PROFILE
    if progress is None:
        progress = progress_of(verification)
    caps = capabilities(verification.provider)
    return _STAGE_STEP.get(progress.stage) or _stage_step(progress, caps)


# Stages (onboarding.journey.Progress.stage) whose step is always the same.
_STAGE_STEP = {
    "saving": PROFILE,
    "profile_refused": PROFILE,
    "sending": CHECK,
    "processing": CHECK,
    "fix": CHECK,
    "team": CHECK,
    "restart": HOSTED,
}


def _stage_step(progress: Progress, caps: Capabilities) -> str:
    if progress.stage == "verified":
        return BANK if caps.banking else ""
    if progress.stage == "action_required":
        if progress.action_kind == "challenge":
            return QUESTIONS
        return HOSTED if progress.hand_off else CHECK
    return _next_to_fill(progress.verification, caps)  # not submitted yet


def _next_to_fill(verification: Verification, caps: Capabilities) -> str:
    if caps.collection == "hosted":
        return HOSTED
    if set(upload_kinds(verification)) - set(latest_documents(verification)):
        return UPLOADS
    return DETAILS


def _back_url(verification: Verification | None, key: str) -> str:
    """Where a done step links back to, when going back is allowed there."""
    if key == CHECK or (key == PROFILE and _profile_open(verification)):
        return reverse(STEPS[key].url_name)
    if key == UPLOADS and verification is not None and _uploads_open(verification):
        return reverse(STEPS[key].url_name)
    return ""


def _profile_open(verification: Verification | None) -> bool:
    if verification is None:
        return True
    return verification.customer_state != CustomerState.CREATED and not routing_frozen(verification)


def _uploads_open(verification: Verification) -> bool:
    rejected = verification.customer_state == CustomerState.REJECTED
    waiting = verification.status == Status.UNVERIFIED and active_submission(verification) is None
    return waiting and not rejected


def profile_needs() -> frozenset[str]:
    """What the profile form asks beyond the common fields: whatever any enabled provider
    needs there, since the profile itself decides the provider (kyc/services/routing.py)."""
    needs: frozenset[str] = frozenset()
    for name in enabled():
        needs |= capabilities(name).profile_needs
    return needs
