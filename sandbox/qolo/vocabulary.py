"""Qolo's words (fact sheet §3.5, §5, §7) and the emulator's own where Qolo publishes none.

Qolo's: the person statuses, the enumerations of the staging spec (GovtIDType, DocumentType,
FileType, AccountType) and the webhook event types. The emulator's (open questions 4, 5):
verification methods, results, response and reason codes, and the challenge questions.
"""

from __future__ import annotations

from typing import Any

# --- person statuses (PersonStatus; fact sheet §3.5) ----------------------------------------

INCOMPLETE = "INCOMPLETE"
UNVERIFIED = "UNVERIFIED"
CLEARED = "CLEARED"
SANCTIONED = "SANCTIONED"
PEP = "PEP"
NEGLIST = "NEGLIST"
ANONYMOUS = "ANONYMOUS"
PERSON_STATUSES = (INCOMPLETE, UNVERIFIED, CLEARED, SANCTIONED, PEP, NEGLIST, ANONYMOUS)
RESTRICTED = (SANCTIONED, PEP, NEGLIST)

# --- program modes (fact sheet §4) ----------------------------------------------------------

SDD = "SDD"
CDD = "CDD"
MODES = (SDD, CDD)

# --- the staging spec's enumerations --------------------------------------------------------

GOVT_ID_TYPES = ("NOTPROVIDED", "PASSPORT", "DRIVERLICENSE", "COUNTRYID")
DOCUMENT_TYPES = ("PASSPORT", "DRIVELIC", "NATIONAL", "CORPORATE", "OTHER")
FILE_TYPES = ("BMP", "JPEG", "PNG", "PDF", "JPG", "TIFF", "GIF", "DOC", "DOCX")
# The staging list plus the three the live CreatePerson page adds.
ACCOUNT_TYPES = (
    "GENERAL",
    "PROGFUND",
    "CHECK",
    "REVENUE",
    "COLLECTION",
    "PRINCIPAL",
    "SECURE",
    "CREDIT",
    "USERDEFINED",
    "ADVANCE",
    "PROG_DISBURSE",
    "EXCEPTION",
    "WRITEOFF",
    "SUSPENSE",
)

# --- webhook event types (fact sheet §7) ----------------------------------------------------

PERSON_CREATED = "person.created"
PERSON_UPDATED = "person.updated"
VERIFICATION_SUCCESS = "person.verification.success"
PING = "ping"
EVENT_TYPES = (
    "all",
    "card",
    "card.created",
    "card.activated",
    "card.status",
    "card.pin.changed",
    "card.replaced",
    "card.fulfilment",
    PERSON_CREATED,
    VERIFICATION_SUCCESS,
    PERSON_UPDATED,
    "wallet.created",
    "account.created",
    "account.activated",
    "account.closed",
    "account.status",
    "account.instrument.created",
    "outside.instrument.created",
    "outside.instrument.updated",
    "auth.approved",
    "auth.reversed",
    "auth.refunded",
    "auth.declined",
    "bankeft.credit.received",
    "bankeft.credit.reversed",
    "bankeft.credit.returned",
    "bankeft.debit.received",
    "bankeft.debit.reversed",
    "bankeft.debit.returned",
    "transfer.success",
    "check.cleared",
    "payment.success",
    "payment.failure",
    "realtimepayment",
    "company.created",
    "company.updated",
)

# --- the emulator's verification vocabulary (open question 4: Qolo publishes none) ----------

OFAC, EID, OOW, DOC, CLIENT, SANDBOX = "OFAC", "EID", "OOW", "DOC", "CLIENT", "SANDBOX"
PASS, FAIL, CHALLENGE, PENDING = "PASS", "FAIL", "CHALLENGE", "PENDING"

EID_NOT_VERIFIED = "EID_NOT_VERIFIED"
EID_ID_REQUIRED = "EID_ID_REQUIRED"
EID_QUESTIONS = "EID_QUESTIONS_REQUIRED"
OOW_FAILED = "OOW_FAILED"
DOC_NOT_VERIFIED = "DOC_NOT_VERIFIED"
DOC_UNREADABLE = "DOC_UNREADABLE"
SANDBOX_DECISION = "SANDBOX_DECISION"
# OFAC screening: the reason of each restricted status.
SCREENING_REASONS = {SANCTIONED: "OFAC_MATCH", PEP: "PEP_MATCH", NEGLIST: "NEGLIST_MATCH"}
# The last names that screen as restricted (emulator-only, case-insensitive).
SCREENING_NAMES = {"SANCTION": SANCTIONED, "PEP": PEP, "NEGLIST": NEGLIST}

PROVIDERS = {OFAC: "OFAC", EID: "IDology", OOW: "IDology", DOC: "IDology", SANDBOX: "Sandbox"}

# --- the challenge (out-of-wallet) questions: a fixed set, one correct option each ----------

QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "key": "street.lived",
        "prompt": "Which of these streets have you lived on?",
        "options": ["Maple Avenue", "Harbor Road", "Quincy Lane", "None of the above"],
        "answer": "Quincy Lane",
    },
    {
        "key": "vehicle.owned",
        "prompt": "Which of these vehicles have you owned?",
        "options": [
            "2012 Honda Civic",
            "2015 Ford Focus",
            "2018 Tesla Model 3",
            "None of the above",
        ],
        "answer": "2015 Ford Focus",
    },
    {
        "key": "county.lived",
        "prompt": "In which of these counties have you lived?",
        "options": ["Cook County", "Travis County", "King County", "None of the above"],
        "answer": "King County",
    },
)
