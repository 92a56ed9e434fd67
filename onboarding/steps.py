"""The journey's steps for one applicant, from their provider's capabilities.

In-app collection (DollarPe) asks, in our pages, for the profile, photos of exactly the
document kinds the provider takes, then the details form. Hosted collection hands the
applicant to the provider's own pages after the profile. After the submission come the
status page and, as the provider answers, questions, a fix, or (where the provider
verifies bank accounts) the bank step: those are not numbered, they are outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kyc.models import Verification
from kyc.providers.interface import Capabilities
from kyc.providers.registry import capabilities, enabled

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

PROFILE, UPLOADS, DETAILS, HOSTED = "profile", "uploads", "details", "hosted"


@dataclass(frozen=True)
class Step:
    key: str
    url_name: str
    title: StrOrPromise


STEPS = {
    PROFILE: Step(PROFILE, "onboarding:profile", _("Your details")),
    UPLOADS: Step(UPLOADS, "onboarding:uploads", _("Photos of your documents")),
    DETAILS: Step(DETAILS, "onboarding:kyc", _("Your identity details")),
    # The hand-off to the provider's own pages (Capabilities.collection == "hosted").
    HOSTED: Step(HOSTED, "onboarding:hosted", _("Continue with our verification partner")),
}


def journey_steps(caps: Capabilities) -> list[Step]:
    """The numbered steps before the submission, in order."""
    keys = [PROFILE]
    if caps.collection == "hosted":
        keys.append(HOSTED)
    else:
        keys += [UPLOADS] if caps.document_kinds else []
        keys.append(DETAILS)
    return [STEPS[key] for key in keys]


def capabilities_for(verification: Verification | None) -> Capabilities:
    """The applicant's provider's; before the profile routes them, the default one's."""
    name = verification.provider if verification else settings.KYC_DEFAULT_PROVIDER
    return capabilities(name)


def step_context(verification: Verification | None, key: str) -> dict[str, object]:
    """What `_steps.html` shows: "Step N of M" counted in this applicant's journey."""
    steps = journey_steps(capabilities_for(verification))
    keys = [step.key for step in steps]
    return {"step": keys.index(key) + 1 if key in keys else None, "steps_total": len(steps)}


def profile_needs() -> frozenset[str]:
    """What the profile form asks beyond the common fields: whatever any enabled provider
    needs there, since the profile itself decides the provider (kyc/services/routing.py)."""
    needs: frozenset[str] = frozenset()
    for name in enabled():
        needs |= capabilities(name).profile_needs
    return needs
