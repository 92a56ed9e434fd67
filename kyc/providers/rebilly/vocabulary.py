"""Rebilly's words and the core's (API.md §4.2, §6.2; DESIGN-v2 §2.2).

A KYC request's `status` and its documents' statuses and rejection reasons become
neutral statuses and reasons here, in tables, so the mapping is read in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kyc.models import FailureReason, ProviderDocument
from kyc.providers.interface import Words

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# KYC request statuses [SPEC KycRequest.yaml]; `pending` is an older guide's initial
# status [KYCINT], read as `gathering`.
GATHERING = frozenset({"gathering", "pending"})
ATTEMPTED = frozenset({"attempted", "partial"})  # waiting for the applicant or a review
PERMANENT_FAILURES = {
    "failed": FailureReason.ATTEMPTS_EXHAUSTED,
    "expired": FailureReason.REQUEST_EXPIRED,
    "abandoned": FailureReason.REQUEST_EXPIRED,
}
REQUEST_STATUSES = frozenset(
    {*GATHERING, *ATTEMPTED, "pending-review", "fulfilled", *PERMANENT_FAILURES}
)
# A request in one of these will not change again: a new one is needed.
PERMANENT = frozenset({"fulfilled", *PERMANENT_FAILURES})
# Decided for good: nothing new is started after these (expired and abandoned may restart).
FINAL = frozenset({"fulfilled", "failed"})
# Refusals a new upload cannot change: our team takes over.
FINAL_REFUSALS = frozenset({"underage-person", "tampered-document", "third-party-or-mismatch"})

DOCUMENT_TYPES = {
    "identity-proof": ProviderDocument.Type.IDENTITY,
    "address-proof": ProviderDocument.Type.ADDRESS,
    "funds-proof": ProviderDocument.Type.FUNDS,
    "purchase-proof": ProviderDocument.Type.PURCHASE,
    "credit-file-proof": ProviderDocument.Type.CREDIT_FILE,
}
DOCUMENT_STATUSES = {
    "pending": ProviderDocument.State.PENDING,
    "in-progress": ProviderDocument.State.REVIEWING,
    "accepted": ProviderDocument.State.ACCEPTED,
    "rejected": ProviderDocument.State.REJECTED,
    "archived": ProviderDocument.State.SUPERSEDED,
}
UNDECIDED = frozenset({ProviderDocument.State.PENDING, ProviderDocument.State.REVIEWING})
# The types the applicant uploads in the gatherer (a credit file is checked through the API).
UPLOADED = frozenset({ProviderDocument.Type.IDENTITY, ProviderDocument.Type.ADDRESS})

# Rejection reason types [SPEC KycDocumentRejectionReasonTypes.yaml]. A problem with the
# document itself is a document failure of the document's type; these are about the person.
PERSON_REASONS = {
    "third-party-or-mismatch": FailureReason.IDENTITY_DATA,
    "dob-mismatch": FailureReason.IDENTITY_DATA,
    "name-mismatch": FailureReason.IDENTITY_DATA,
    "name-and-dob-mismatch": FailureReason.IDENTITY_DATA,
    "underage-person": FailureReason.UNDERAGE,
    "old-address-on-id": FailureReason.ADDRESS_DOCUMENT,
    "other": FailureReason.OTHER,
}
DOCUMENT_REASON: dict[str, str] = {
    ProviderDocument.Type.IDENTITY: FailureReason.IDENTITY_DOCUMENT,
    ProviderDocument.Type.ADDRESS: FailureReason.ADDRESS_DOCUMENT,
}
# Why a document was refused, for the applicant: "Your passport was refused: <this>."
REFUSALS = {
    "document-unreadable": _(
        "it could not be read. Take a sharp, well-lit photo that shows the whole document"
    ),
    "document-expired": _("it has expired. Use a document that is still valid"),
    "document-was-valid-but-expired": _("it is no longer valid. Use a document that is"),
    "document-not-matching": _("it does not match the details you gave us"),
    "document-duplicate": _("the same document was already sent"),
    "document-invalid": _("it is not a document we can accept"),
    "document-not-open": _("the file could not be opened. Send a JPEG, PNG or PDF"),
    "tampered-document": _("it looks altered. Send a photo of the original document"),
    "underage-person": _("you must be of legal age to open an account"),
    "third-party-or-mismatch": _("it seems to belong to someone else"),
    "dob-mismatch": _("the date of birth on it is not the one you gave us"),
    "name-mismatch": _("the name on it is not the one you gave us"),
    "name-and-dob-mismatch": _("the name and date of birth on it are not the ones you gave us"),
    "old-address-on-id": _("it shows an old address. Use a recent proof of where you live"),
    "expiration-date-missing": _("its expiry date cannot be seen"),
    "issue-date-missing": _("its date of issue cannot be seen"),
    "subtype-missing": _("we could not tell what kind of document it is"),
    "critical-info-missing": _("some of its details cannot be seen"),
    "other": _("it could not be accepted"),
}
REFUSED_SELFIE = _("your selfie did not match the photo on your document. Take a new one")
REFUSED = _("{document} was refused: {why}.")

# How the applicant sees a document named: by its subtype when Rebilly says it, else by type.
SUBTYPE_LABELS: dict[str, StrOrPromise] = {
    "passport": _("Your passport"),
    "id-card": _("Your ID card"),
    "driver-license": _("Your driving licence"),
    "utility-bill": _("Your utility bill"),
    "bank-statement": _("Your bank statement"),
    "rental-receipt": _("Your rent receipt"),
    "lease-agreement": _("Your lease agreement"),
}
TYPE_LABELS: dict[str, StrOrPromise] = {
    ProviderDocument.Type.IDENTITY: _("Your identity document"),
    ProviderDocument.Type.ADDRESS: _("Your proof of address"),
    ProviderDocument.Type.FUNDS: _("Your proof of funds"),
    ProviderDocument.Type.PURCHASE: _("Your proof of purchase"),
    ProviderDocument.Type.CREDIT_FILE: _("Your credit file"),
    ProviderDocument.Type.OTHER: _("Your document"),
}

WORDS = Words(
    tax_id="",
    bank_kinds="",
    decision_time=_("Most documents are checked within minutes."),
)

# The documents a request asks for: identity always; address proof when configured; the
# selfie is the identity document's faceProofRequired, listed apart for the applicant.
IDENTITY, ADDRESS, SELFIE = "identity-proof", "address-proof", "selfie"
CREDIT_FILE = "credit-file-proof"
NEEDED_LABELS = {
    IDENTITY: _("An identity document: your passport, ID card or driving licence"),
    ADDRESS: _("A proof of address from the last 3 months, such as a utility bill"),
    SELFIE: _("A selfie, taken with your phone's camera"),
}

# The events we subscribe to [SPEC GlobalEventType.yaml; KYCINT recommends these].
EVENTS = (
    "kyc-document-created",
    "kyc-document-modified",
    "kyc-document-reviewed",
    "kyc-document-accepted",
    "kyc-document-rejected",
    "kyc-document-archived",
    "kyc-request-attempted",
    "kyc-request-partially-fulfilled",
    "kyc-request-fulfilled",
    "kyc-request-failed",
)


def document_reason(document_type: str, rejection_type: str, failed_checks: set[str]) -> str:
    """The neutral reason a refused document stands for."""
    if "hasMatchingFaceProof" in failed_checks:
        return FailureReason.SELFIE
    if rejection_type in PERSON_REASONS:
        return PERSON_REASONS[rejection_type]
    return DOCUMENT_REASON.get(document_type, FailureReason.OTHER)


def label(document_type: str, subtype: str) -> str:
    text = SUBTYPE_LABELS.get(subtype) or TYPE_LABELS.get(document_type, TYPE_LABELS["other"])
    return str(text)


def refusal(document_label: str, rejection_type: str, reason: str) -> str:
    """The applicant's sentence: which document was refused, and why, in plain words."""
    if reason == FailureReason.SELFIE:
        why = REFUSED_SELFIE
    else:
        why = REFUSALS.get(rejection_type, REFUSALS["other"])
    return str(REFUSED).format(document=document_label, why=why)
