"""Qolo's words and the core's (API.md §3.5, §5; DESIGN-v2 §2.2).

Qolo publishes no vocabulary for its verification history (`verification_method`,
`verification_results`, `reason_code`: open question 5), so the words below are the
tolerant reading: anything unknown falls to the safe side (being checked, or our team).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from kyc.models import FailureReason
from kyc.providers.interface import Words

CLEARED = "CLEARED"
SCREENED = frozenset({"SANCTIONED", "PEP", "NEGLIST"})  # restricted [PSTAT]: terminal
LIMITED = frozenset({"INCOMPLETE", "UNVERIFIED", "ANONYMOUS"})
PERSON_STATUSES = frozenset({CLEARED, *SCREENED, *LIMITED})

PASSED = frozenset({"PASS", "PASSED", "SUCCESS", "VERIFIED", "CLEARED"})
FAILED = frozenset({"FAIL", "FAILED", "FAILURE", "REJECTED", "DECLINED"})
CHALLENGED = frozenset({"CHALLENGE", "QUESTIONS", "OOW"})

# What a failed method stands for, in neutral reasons (the SSN is our tax number).
METHOD_REASONS = {
    "EID": FailureReason.TAX_NUMBER,
    "DOC": FailureReason.IDENTITY_DOCUMENT,
    "OOW": FailureReason.CHALLENGE_FAILED,
    "OFAC": FailureReason.SCREENING,
}

# Our document types (the KYC form's) as Qolo's two enums spell them: the document's
# DocumentType, and the identification's GovtIDType [SPEC].
DOCUMENT_TYPES = {
    "PASSPORT": ("PASSPORT", "PASSPORT"),
    "DRIVING_LICENCE": ("DRIVELIC", "DRIVERLICENSE"),
    "NATIONAL_ID": ("NATIONAL", "COUNTRYID"),
}
DOCUMENT_LABELS = {
    "PASSPORT": _("Passport"),
    "DRIVING_LICENCE": _("Driving licence"),
    "NATIONAL_ID": _("National identity card"),
}
DOCUMENT_NUMBER_HELP = _("As printed on the document.")
# FileType [SPEC] of the content types our uploads accept.
FILE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}

WORDS = Words(
    tax_id=_("SSN"),
    bank_kinds="",
    decision_time=_("Most checks take a few seconds; some take a few minutes."),
)
# What our pages call the challenge, and what a wrong answer means.
EVENTS = ("person.created", "person.updated", "person.verification.success")

# Qolo's refusal texts for fields we send, in the applicant's words ({limit}: its maximum).
FIELD_WORDS = {
    "first_name": _("your given name"),
    "last_name": _("your family name"),
    "middle_name": _("your middle name"),
    "address_line1": _("the first line of your address"),
    "address_line2": _("the second line of your address"),
    "city": _("your town or city"),
    "state": _("your state or region"),
    "postal_code": _("your postal code"),
}
TOO_LONG = re.compile(r"\b(\w+): .*maximum length of (\d+)", re.IGNORECASE)
TOO_LONG_WORDS = _(
    "Our verification partner takes at most {limit} characters for {field}. Please shorten it "
    "(a usual short form is fine) and send your details again."
)
