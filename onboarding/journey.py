"""Where a user stands in the journey, read from the server's state alone.

Everything a page shows comes from the user's own Verification (found through
`request.user`, never an id in the URL), so the journey resumes on any device after
logging in again, and nobody can see another user's onboarding by editing a URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from kyc.models import (
    BankAccount,
    CustomerState,
    Document,
    FixKind,
    Status,
    Submission,
    Verification,
)
from kyc.services.submissions import ACTIVE, fix_kind

logger = logging.getLogger(__name__)

UPLOAD_KINDS: list[str] = [Document.Kind.FRONT, Document.Kind.BACK, Document.Kind.SELFIE]

# What failed, in words, and what the fix form asks for.
FAILED_PART = {
    FixKind.DOCUMENT: _("We could not verify your identity document."),
    FixKind.TAX: _("We could not verify your PAN (tax number)."),
    FixKind.SELFIE: _("We could not verify your selfie."),
    FixKind.ADDITIONAL_INFO: _("We could not verify your additional information."),
}
FIX_ACTION = {
    FixKind.DOCUMENT: _("Send new photos and details of your document"),
    FixKind.TAX: _("Correct your PAN"),
    FixKind.SELFIE: _("Take a new selfie"),
    FixKind.ADDITIONAL_INFO: _("Correct your additional information"),
}
BANK_REASONS: dict[str, Any] = {
    "INVALID_IFSC": _("The IFSC is not valid or does not match the bank."),
    "INVALID_ACCOUNT_NUMBER": _("The account number is not valid."),
    "ACCOUNT_TYPE_NRE": _("NRE accounts cannot be used. Add another account."),
    "PENNY_DROP_FAILED": _("We could not confirm that the account is yours."),
    "NAME_MISMATCH": _("The name on the account is not the name on your identity document."),
    "BANK_RISK_CHECK_FAILED": _("The account did not pass our partner's checks."),
}
BANK_STATUS_WORDS: dict[str, Any] = {
    BankAccount.State.QUEUED: _("Waiting to be sent for checking"),
    BankAccount.State.PROCESSING: _("Being checked"),
    BankAccount.State.VERIFIED: _("Verified: ready to use"),
    BankAccount.State.FAILED: _("Could not be verified"),
    BankAccount.State.REJECTED: _("Refused"),
}


def current_verification(request: HttpRequest) -> Verification | None:
    """The signed-in user's one onboarding, if it has started."""
    if not request.user.is_authenticated:
        return None
    return Verification.objects.filter(user=request.user).first()


def posted(request: HttpRequest) -> Any:
    """The POST data, or None for a GET: an empty POST is still a submission to validate."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def provider_error(request: HttpRequest, *, malformed: bool = False) -> HttpResponse:
    """A clear page instead of a 500 when the provider is down or answers nonsense."""
    status = 502 if malformed else 503
    context = {"malformed": malformed}
    return render(request, "onboarding/provider_error.html", context, status=status)


def active_submission(verification: Verification) -> Submission | None:
    return verification.submissions.filter(state__in=ACTIVE).first()


def latest_documents(verification: Verification) -> dict[str, int]:
    """The newest accepted document of each kind: what the first submission sends."""
    found: dict[str, int] = {}
    accepted = verification.documents.filter(state=Document.State.ACCEPTED)
    for document in accepted.order_by("-created_at").only("pk", "kind"):
        found.setdefault(document.kind, document.pk)
    return found


def may_upload(verification: Verification, kind: str) -> bool:
    """Uploads are for the first submission, or for a failure that asks for that file."""
    if verification.status == Status.UNVERIFIED:
        return True
    if verification.status != Status.FAILED or verification.updates_left == 0:
        return False
    wanted: dict[str, tuple[str, ...]] = {
        FixKind.DOCUMENT: (Document.Kind.FRONT, Document.Kind.BACK),
        FixKind.SELFIE: (Document.Kind.SELFIE,),
    }
    return kind in wanted.get(fix_kind(verification), ())


@dataclass
class Progress:
    """One user's place in the journey, as the status page and its live updates show it."""

    stage: str
    verification: Verification
    fix: FixKind = FixKind.NONE
    refused: str = ""  # the provider's refusal of the last submission, when there is one
    banks: list[BankAccount] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Changes whenever what the page shows changes: the browser compares it."""
        v = self.verification
        parts = [self.stage, v.status, v.failure_reason, str(v.updates_used), self.refused]
        parts += [f"{bank.pk}:{bank.status}" for bank in self.banks]
        return "|".join(parts)

    @property
    def final(self) -> bool:
        """Nothing will change without the user or our team acting: stop asking."""
        undecided = {BankAccount.State.QUEUED, BankAccount.State.PROCESSING}
        if self.stage == "verified":
            return not any(bank.status in undecided for bank in self.banks)
        return self.stage in {"team", "profile_refused", "not_submitted", "fix"}

    def context(self) -> dict[str, Any]:
        return {
            "progress": self,
            "verification": self.verification,
            "failed_part": FAILED_PART.get(self.fix, ""),
            "fix_action": FIX_ACTION.get(self.fix, ""),
            "banks": [bank_view(bank) for bank in self.banks],
        }


def progress_of(verification: Verification) -> Progress:
    stage, refused = _stage(verification)
    progress = Progress(stage=stage, verification=verification, refused=refused)
    if stage in {"fix", "team"}:
        progress.fix = fix_kind(verification)
    if stage == "verified":
        progress.banks = list(verification.bank_accounts.all())
    return progress


def _stage(verification: Verification) -> tuple[str, str]:
    if verification.customer_state == CustomerState.PENDING:
        return "saving", ""
    if verification.customer_state == CustomerState.REJECTED:
        return "profile_refused", ""
    if active_submission(verification) is not None:
        return "sending", ""
    last = verification.submissions.order_by("-created_at").first()
    refused = last.last_error if last and last.state == Submission.State.REJECTED else ""
    if verification.status == Status.UNVERIFIED:
        return "not_submitted", refused
    if verification.status == Status.FAILED:
        fixable = fix_kind(verification) != FixKind.NONE and verification.updates_left > 0
        return ("fix" if fixable else "team"), refused
    return verification.status.lower(), ""


def bank_view(bank: BankAccount) -> dict[str, Any]:
    return {
        "pk": bank.pk,
        "label": bank.label,
        "kind": bank.get_kind_display(),
        "status": bank.status,
        "status_words": BANK_STATUS_WORDS.get(bank.status, bank.status),
        "reason": BANK_REASONS.get(bank.failure_reason, "")
        if bank.status == BankAccount.State.FAILED
        else "",
    }


def bank_key(banks: list[BankAccount]) -> str:
    return "|".join(f"{bank.pk}:{bank.status}" for bank in banks)
