"""Challenge questions (Capabilities.challenge_questions): the applicant's answers, sent once.

The questions (prompts and options, never the right answers) are kept on the verification
while it waits for the applicant (Verification.action). The answers are checked against
those options, sent to the provider in the same request and never stored: not on the
verification, not in a submission, not in the provider call records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.db import transaction

from kyc.models import Status, Verification
from kyc.providers.interface import ChallengeProvider
from kyc.providers.registry import capabilities, get_provider
from kyc.services.audit import audit_record
from kyc.services.status import StatusChange, verification_apply_outcome


class ChallengeRefused(ValueError):
    """Nothing is asked now, or the answers are not to the questions asked."""


def pending_questions(verification: Verification) -> list[dict[str, Any]]:
    """The questions the applicant has to answer now ([] when none)."""
    if not capabilities(verification.provider).challenge_questions:
        return []
    action = verification.action or {}
    if verification.status != Status.ACTION_REQUIRED or action.get("kind") != "challenge":
        return []
    questions = action.get("questions")
    return [q for q in questions if isinstance(q, dict)] if isinstance(questions, list) else []


def verification_answer_challenge(
    *, verification_id: int, answers: Mapping[str, str], actor: Any
) -> StatusChange:
    """Send the answers (one option per question asked) and apply what the provider says.

    The row is locked while the provider is asked, so a double submit sends them once.
    Raises ChallengeRefused, or the provider's errors (nothing is kept of the answers).
    """
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        questions = pending_questions(verification)
        if not questions:
            raise ChallengeRefused("no questions are waiting for an answer")
        asked = {str(q.get("key")): [str(o) for o in q.get("options") or []] for q in questions}
        if set(answers) != set(asked) or any(answers[k] not in asked[k] for k in asked):
            raise ChallengeRefused("the answers do not match the questions asked")
        provider = cast(
            ChallengeProvider, get_provider(verification.provider, verification_id=verification.pk)
        )
        outcome = provider.answer_challenge(verification, dict(answers))
        audit_record(
            verification=verification,
            action="challenge_answered",
            source="user",
            actor=actor,
            from_status=verification.status,
            note=f"{len(answers)} answers sent (never kept)",
        )
        # Applied before the lock goes: a second submit then finds nothing left to answer.
        return verification_apply_outcome(
            verification_id=verification_id,
            outcome=outcome,
            source="provider",
            note="the applicant answered the challenge questions",
        )
