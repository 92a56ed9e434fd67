"""DollarPe's words, and what they mean in the core's neutral terms.

Statuses are DollarPe's customer statuses (fact sheet §4); reasons are its
`failure_reason` codes (§5, §8); the texts are its documented refusals and labels,
said the way our users read them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kyc.models import Document, FailureReason, FixKind, Status
from kyc.providers.interface import CorrectionPart, Outcome, Words

# DollarPe's four customer statuses are the core's, word for word.
STATUSES = frozenset({Status.UNVERIFIED, Status.PROCESSING, Status.VERIFIED, Status.FAILED})
REASONS = {
    "TAX_VERIFICATION_FAILED": FailureReason.TAX_NUMBER,
    "DOCUMENT_VERIFICATION_FAILED": FailureReason.IDENTITY_DOCUMENT,
    "SELFIE_VERIFICATION_FAILED": FailureReason.SELFIE,
    "KYC_FAILED": FailureReason.OTHER,  # terminal: a suspension, or the updates used up
}
# What mock-kyc-status accepts (the documented targets and the emulator's extensions);
# DollarPe itself refuses a transition it does not allow.
FORCE_OUTCOMES = (
    Status.VERIFIED,
    "TAX_VERIFICATION_FAILED",
    "DOCUMENT_VERIFICATION_FAILED",
    "SELFIE_VERIFICATION_FAILED",
    "KYC_FAILED",
    Status.UNVERIFIED,
)
# "KYC information can be updated at most 3 times per customer" (fact sheet §5.3).
UPDATE_LIMIT = 3
# The four update endpoints, and the part of the stored KYC data each sends again.
CORRECTIONS: dict[str, CorrectionPart] = {
    FixKind.TAX: CorrectionPart(fields=("tax_number",)),
    FixKind.DOCUMENT: CorrectionPart(
        fields=(("address", "full_address"), "document_type", "document_number", "phone"),
        documents=(Document.Kind.FRONT, Document.Kind.BACK),
    ),
    FixKind.SELFIE: CorrectionPart(documents=(Document.Kind.SELFIE,)),
    FixKind.ADDITIONAL_INFO: CorrectionPart(fields=("additional_info",)),
}

WORDS = Words(
    tax_id=_("PAN"),
    bank_kinds=_("a bank account or a UPI ID"),
    decision_time=_("This usually takes less than a minute, and at most 24 hours."),
    # Its documented supported_document_types (fact sheet §5.1), DOCUMENT_LABELS below.
    id_documents=_("an Aadhaar card, a passport, a voter ID card or a driving licence"),
)
DOCUMENT_LABELS = {
    "AADHAAR": _("Aadhaar card"),
    "PASSPORT": _("Passport"),
    "VOTER_ID": _("Voter ID card"),
    "DRIVING_LICENSE": _("Driving licence"),
}
DOCUMENT_NUMBER_HELP = _("For Aadhaar, the 12 digits; for a passport, the file number.")
DOCUMENT_NUMBER_RULES = {"AADHAAR": (r"^[0-9]{12}$", _("An Aadhaar number has 12 digits."))}
INFO_LABELS = {
    "income_range": _("Income range"),
    "profession": _("Profession"),
    "ssn_number": _("Social Security number"),
    "visa": _("Link to your visa"),
}
# The configuration gives each field only a type and a required flag; the fact sheet shows
# one example, {"income_range": "<10L", "profession": "Engineer"} (§5.2), and any string is
# taken. So the form suggests values in that notation (lakh, L; crore, Cr), and takes others.
INFO_HINTS = {
    "income_range": _(
        "Your yearly income in rupees. Choose a range or type one, e.g. <10L (under 10 lakh)."
    ),
    "profession": _("What you do for a living, e.g. Engineer, Teacher or Student."),
}
INFO_SUGGESTIONS = {
    "income_range": (
        ("<10L", _("Under 10 lakh a year")),
        ("10L-25L", _("10 to 25 lakh a year")),
        ("25L-50L", _("25 to 50 lakh a year")),
        ("50L-1Cr", _("50 lakh to 1 crore a year")),
        (">1Cr", _("Over 1 crore a year")),
    ),
    "profession": (
        ("Engineer", _("Engineer")),
        ("Teacher", _("Teacher")),
        ("Doctor", _("Doctor")),
        ("Business owner", _("Business owner")),
        ("Self-employed", _("Self-employed")),
        ("Salaried employee", _("Salaried employee")),
        ("Student", _("Student")),
        ("Homemaker", _("Homemaker")),
        ("Retired", _("Retired")),
    ),
}
BANK_REASONS = {
    "INVALID_IFSC": _("The IFSC is not valid or does not match the bank."),
    "INVALID_ACCOUNT_NUMBER": _("The account number is not valid."),
    "ACCOUNT_TYPE_NRE": _("NRE accounts cannot be used. Add another account."),
    "PENNY_DROP_FAILED": _("We could not confirm that the account is yours."),
    "NAME_MISMATCH": _("The name on the account is not the name on your identity document."),
    "BANK_RISK_CHECK_FAILED": _("The account did not pass our partner's checks."),
}
# DollarPe's documented refusals, in the user's language (keys: lower case, no final dot).
MESSAGES = {
    "email already in use": _(
        "This email address is already registered with our verification partner. "
        "Use another address."
    ),
    "phone already in use": _(
        "This phone number is already registered with our verification partner. Use another number."
    ),
    "invalid country code": _("Our verification partner does not accept this country."),
    "client reference id already exists": _(
        "Your registration is already known to our verification partner. "
        "Please try again in a minute."
    ),
    "enter a valid phone number": _("Enter a valid mobile phone number."),
    "enter a valid email address": _("Enter a valid email address."),
    "account number already in use": _("This account number is already registered."),
    "vpa already in use": _("This UPI ID is already registered."),
    "maximum 3 upi ids allowed": _("You already have 3 UPI IDs, the most allowed."),
    "maximum 3 bank account details allowed": _(
        "You already have 3 bank accounts, the most allowed."
    ),
    "kyc already in use": _(
        "Your PAN or your document number is already registered to another customer."
    ),
    "customer is unverified": _("Your identity must be verified before you add a bank account."),
}


def neutral_reason(code: str) -> str:
    if code in REASONS:
        return REASONS[code]
    if "ADDITIONAL" in code.upper():  # the real code is undocumented (fact sheet §14)
        return FailureReason.ADDITIONAL_INFO
    return FailureReason.OTHER


def outcome(status: str, failure_reason: str | None = None) -> Outcome:
    """A DollarPe status and reason in the core's terms, with DollarPe's own words kept."""
    code = failure_reason or ""
    return Outcome(
        status=status,
        reason=neutral_reason(code) if status == Status.FAILED else "",
        provider_status=status,
        provider_reason=code if status == Status.FAILED else "",
    )


def _key(text: str) -> str:
    """A refusal as MESSAGES knows it: its text without the field it came under (a refused
    submission keeps "kyc: KYC already in use"), lower case, no final dot."""
    return text.split(": ", 1)[-1].strip().rstrip(".").lower()


def user_message(text: str) -> str:
    known = MESSAGES.get(_key(text))
    return str(known) if known else text


# Refusals of a KYC submission that are about fields of the form: what to check on each.
# "KYC already in use" does not say which number DollarPe found [fact sheet §14 q17].
FIELD_REFUSALS = {
    "kyc already in use": {
        "tax_number": _(
            "This PAN is already registered to another customer. Check that it is yours and "
            "typed correctly."
        ),
        "document_number": _(
            "This document number may be registered to another customer: check it too."
        ),
    },
}


def refused_fields(text: str) -> dict[str, str]:
    found = FIELD_REFUSALS.get(_key(text), {})
    return {field: str(message) for field, message in found.items()}


# Refusals saying another customer holds one of the applicant's numbers, with the kinds of
# the blind index (kyc/blind_index.py) they may be about: by text (profile and submission
# refusals) or by the code a refused bank account keeps. "KYC already in use" does not say
# which of the PAN and the document number it found [fact sheet §14 q17]: both.
IN_USE = {
    "email already in use": frozenset({"email"}),
    "phone already in use": frozenset({"phone"}),
    "kyc already in use": frozenset({"tax_number", "document_number"}),
    "account number already in use": frozenset({"account_number"}),
    "vpa already in use": frozenset({"vpa"}),
    "email_in_use": frozenset({"email"}),
    "phone_in_use": frozenset({"phone"}),
    "kyc_already_in_use": frozenset({"tax_number", "document_number"}),
    "account_number_in_use": frozenset({"account_number"}),
    "vpa_in_use": frozenset({"vpa"}),
}


def in_use_kinds(text: str) -> frozenset[str]:
    return IN_USE.get(_key(text), frozenset())
