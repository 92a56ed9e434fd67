"""What failed, in the applicant's words: the status page, the fix pages and the emails say
it the same way."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kyc.models import FailureReason, FixKind, ProviderDocument, Verification
from kyc.providers.interface import DocumentReviewProvider, Words
from kyc.providers.registry import get_provider

# What failed, in words, and what the fix form asks for ({tax_id}: the provider's name for
# the tax number, e.g. PAN).
FAILED_PART = {
    FixKind.DOCUMENT: _("We could not verify your identity document."),
    FixKind.TAX: _("We could not verify your {tax_id} (tax number)."),
    FixKind.SELFIE: _("We could not verify your selfie."),
    FixKind.ADDITIONAL_INFO: _("We could not verify your additional information."),
}
FIX_ACTION = {
    FixKind.DOCUMENT: _("Send new photos and details of your document"),
    FixKind.TAX: _("Correct your {tax_id}"),
    FixKind.SELFIE: _("Take a new selfie"),
    FixKind.ADDITIONAL_INFO: _("Correct your additional information"),
}
# Why our team takes over, where saying it helps the applicant. A screening result is
# never explained (it must not tip anyone off).
TEAM_REASONS: dict[str, Any] = {
    FailureReason.CHALLENGE_FAILED: _("Your answers to the questions did not match."),
    FailureReason.UNDERAGE: _("You must be of legal age to open an account."),
    FailureReason.ATTEMPTS_EXHAUSTED: _("All the attempts to send a document were used."),
}


def word_documents(verification: Verification, documents: list[ProviderDocument]) -> None:
    """Give each document its name and refusal in the active language (`shown_label`,
    `shown_refusal`): the stored texts are the worker's, kept for staff."""
    provider = get_provider(verification.provider)
    for document in documents:
        if isinstance(provider, DocumentReviewProvider):
            document.shown_label, document.shown_refusal = provider.document_words(document)
        else:
            document.shown_label, document.shown_refusal = document.label, document.user_text


def failed_part(kind: FixKind, words: Words) -> str:
    text = FAILED_PART.get(kind)
    return str(text).format(tax_id=words.tax_id) if text else ""


def fix_action(kind: FixKind, words: Words) -> str:
    text = FIX_ACTION.get(kind)
    return str(text).format(tax_id=words.tax_id) if text else ""


def support_details(verification: Verification) -> dict[str, Any]:
    """How our team reaches the applicant, and how they reach us."""
    return {
        "support_email": settings.SUPPORT_EMAIL,
        "support_phone": settings.SUPPORT_PHONE,
        "reply_days": settings.SUPPORT_REPLY_DAYS,
        "reference": verification.reference,
    }
