"""Where a user stands in the journey, read from the server's state alone.

Everything a page shows comes from the user's own Verification (found through
`request.user`, never an id in the URL), so the journey resumes on any device after
logging in again, and nobody can see another user's onboarding by editing a URL.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from kyc.models import (
    BankAccount,
    CustomerState,
    Document,
    FixKind,
    ProviderDocument,
    Status,
    Submission,
    Verification,
    WebhookEvent,
)
from kyc.providers.errors import ProviderError
from kyc.providers.interface import Words
from kyc.providers.redaction import mask
from kyc.providers.registry import capabilities, get_provider
from kyc.services.banks import banking_provider
from kyc.services.corrections import fix_kind, fixable, may_hand_off
from kyc.services.customers import routing_frozen, verification_form_spec
from kyc.services.document_review import applicant_reason, open_reupload
from kyc.services.readiness import on_hold, verified_for_us
from kyc.services.staff import latest_kyc_data
from kyc.services.submissions import ACTIVE
from kyc.services.wording import (
    TEAM_REASONS,
    failed_part,
    fix_action,
    support_details,
    word_documents,
)
from onboarding.formbuilder import humanise

logger = logging.getLogger(__name__)

# Why a part usually fails and how to get it right ({tax_id}: the provider's name for the
# tax number; {full_name}: the name the applicant gave).
CAUSES: dict[str, tuple[Any, ...]] = {
    FixKind.DOCUMENT: (
        _(
            "The photos were blurred, too dark or cut off: lay the document flat in good "
            "light and keep all four corners in the picture."
        ),
        _("The document has expired: use one that is still valid."),
        _(
            "The document number or type does not match the document: copy the number from "
            "the photo page."
        ),
        _("The name on the document must match your full name, {full_name}."),
    ),
    FixKind.TAX: (
        _("A letter or digit was mistyped: check each one against your {tax_id} card."),
        _("The name on your {tax_id} must match your full name, {full_name}."),
        _("The {tax_id} must be your own, and active."),
    ),
    FixKind.SELFIE: (
        _(
            "Your face was not fully visible: look straight at the camera, without a hat, "
            "a mask or sunglasses."
        ),
        _("The photo was too dark or blurred: face a window or a lamp and hold the phone still."),
        _("Take the selfie yourself, now: a photo of a photo or of a screen is refused."),
    ),
    FixKind.ADDITIONAL_INFO: (
        _("An answer was missing or did not match what we know: answer each one about yourself."),
    ),
}
SENT_LABELS: dict[str, Any] = {
    "document_type": _("Document"),
    "document_number": _("Document number"),
    "photos": _("Photos"),
    "selfie": _("Selfie"),
}
BANK_STATUS_WORDS: dict[str, Any] = {
    BankAccount.State.QUEUED: _("Waiting to be sent for checking"),
    BankAccount.State.PROCESSING: _("Being checked"),
    BankAccount.State.VERIFIED: _("Verified: ready to use"),
    BankAccount.State.FAILED: _("Could not be verified"),
    BankAccount.State.REJECTED: _("Refused"),
    BankAccount.State.SUSPENDED: _("Suspended until your identity is verified again"),
}


def words_of(verification: Verification) -> Words:
    return get_provider(verification.provider).words


def causes(kind: FixKind, verification: Verification) -> list[str]:
    """The likely causes of this failure, each with how to fix it."""
    words = words_of(verification)
    return [
        str(text).format(tax_id=words.tax_id, full_name=verification.full_name)
        for text in CAUSES.get(kind, ())
    ]


def sent_data(verification: Verification) -> dict[str, Any]:
    """What the provider has from this applicant: the submissions it took, newest winning."""
    return latest_kyc_data(verification.submissions.filter(state=Submission.State.SENT))


def what_was_sent(
    verification: Verification, kind: FixKind, data: dict[str, Any]
) -> list[tuple[str, str]]:
    """The part that failed as it was sent (`data`: sent_data), identity numbers masked:
    (label, value) rows."""
    words = words_of(verification)
    rows: list[tuple[str, str]] = []
    if kind == FixKind.TAX and data.get("tax_number"):
        rows.append((str(words.tax_id), mask(str(data["tax_number"]), keep=4)))
    if kind == FixKind.DOCUMENT:
        if data.get("document_type"):
            rows.append((str(SENT_LABELS["document_type"]), _document_name(verification, data)))
        if data.get("document_number"):
            number = mask(str(data["document_number"]), keep=4)
            rows.append((str(SENT_LABELS["document_number"]), number))
    if kind == FixKind.ADDITIONAL_INFO:
        for name, value in (data.get("additional_info") or {}).items():
            rows.append((humanise(str(name)), str(value)))
    sent_files = [k for k in fix_uploads(verification, kind) if k in (data.get("documents") or {})]
    if sent_files:
        label = SENT_LABELS["selfie"] if sent_files == ["selfie"] else SENT_LABELS["photos"]
        when = verification.submissions.filter(state=Submission.State.SENT).first()
        if when is not None and when.sent_at is not None:
            stamp = date_format(localtime(when.sent_at), "DATETIME_FORMAT")
            rows.append((str(label), str(_("sent %(when)s")) % {"when": stamp}))
    return [(label, value) for label, value in rows if value]


def _document_name(verification: Verification, data: dict[str, Any]) -> str:
    code = str(data["document_type"])
    try:
        spec = verification_form_spec(verification=verification)
    except ProviderError:
        return code
    return str(spec.document_labels.get(code, code))


def support_context(verification: Verification) -> dict[str, Any]:
    """How our team reaches the applicant, and how they reach us."""
    details = support_details(verification)
    email, phone = details["support_email"], details["support_phone"]
    dial = "".join(c for c in phone if c.isdigit() or c == "+")
    return {
        **details,
        "support_email_link": format_html('<a href="mailto:{}">{}</a>', email, email),
        "support_phone_link": format_html('<a href="tel:{}">{}</a>', dial, phone) if phone else "",
    }


def upload_kinds(verification: Verification) -> list[str]:
    """The files the applicant's provider takes, in the order the uploads page asks."""
    return list(capabilities(verification.provider).document_kinds)


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


def fix_uploads(verification: Verification, kind: FixKind) -> list[str]:
    """The files a correction of `kind` sends again (the provider's CorrectionPart)."""
    part = get_provider(verification.provider).correction_parts().get(kind)
    return list(part.documents) if part else []


def may_upload(verification: Verification, kind: str) -> bool:
    """Uploads are for the first submission (of the kinds the provider takes), or for a
    failure whose correction sends that file again."""
    if verification.status == Status.UNVERIFIED:
        return kind in upload_kinds(verification)
    if verification.status != Status.FAILED or verification.corrections_left == 0:
        return False
    return kind in fix_uploads(verification, fix_kind(verification))


@dataclass
class Progress:
    """One user's place in the journey, as the status page and its live updates show it."""

    stage: str
    verification: Verification
    fix: FixKind = FixKind.NONE
    refused: str = ""  # the provider's refusal of the last submission, when there is one
    banks: list[BankAccount] = field(default_factory=list)
    documents: list[ProviderDocument] = field(default_factory=list)
    # The one file our team asked to be uploaded again (kyc/services/document_review.py).
    reupload: Document | None = None

    @property
    def reupload_reason(self) -> str:
        return applicant_reason(self.reupload) if self.reupload else ""

    @property
    def key(self) -> str:
        """Changes whenever what the page shows changes: the browser compares it."""
        v = self.verification
        parts = [self.stage, v.status, v.failure_reason, str(v.corrections_used), self.refused]
        parts.append(json.dumps(v.action, sort_keys=True))
        parts += [f"{bank.pk}:{bank.status}" for bank in self.banks]
        parts += [f"{d.pk}:{d.status}:{d.revision}" for d in self.documents]
        parts.append(f"reupload:{self.reupload.pk}" if self.reupload else "")
        # The stage, then a digest: the page carries it, and it must not spell out a
        # reason (a screening one, say).
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
        return f"{self.stage}|{digest}"

    @property
    def final(self) -> bool:
        """Nothing will change without the user or our team acting: stop asking."""
        undecided = {BankAccount.State.QUEUED, BankAccount.State.PROCESSING}
        if self.stage == "verified":
            return not any(bank.status in undecided for bank in self.banks)
        final = {"on_hold", "team", "profile_refused", "not_submitted", "refused", "fix", "restart"}
        return self.stage in final

    def context(self) -> dict[str, Any]:
        words = words_of(self.verification)
        return {
            "progress": self,
            "verification": self.verification,
            "failed_part": failed_part(self.fix, words),
            "fix_action": fix_action(self.fix, words),
            "banking": self.banking,
            "words": words,
            "banks": [bank_view(bank) for bank in self.banks],
            "team_reason": TEAM_REASONS.get(self.verification.failure_reason, ""),
            "refused_text": self.refused_text,
            **support_context(self.verification),
        }

    @property
    def profile_editable(self) -> bool:
        v = self.verification
        return v.customer_state != CustomerState.CREATED and not routing_frozen(v)

    @property
    def refused_text(self) -> str:
        """The provider's refusal in the applicant's words, when the provider knows them."""
        return refusal_words(self.verification, self.refused)

    @property
    def action_kind(self) -> str:
        return str((self.verification.action or {}).get("kind") or "")

    @property
    def hand_off(self) -> bool:
        """The applicant continues in the provider's pages (a POST to our hand-off)."""
        return may_hand_off(self.verification)

    @property
    def action_url(self) -> str:
        """Where the provider waits for the applicant, if it is a web address (never a
        javascript: or data: link, whatever the provider sent)."""
        action = self.verification.action or {}
        url = str(action.get("url") or "")
        return url if url.startswith(("https://", "http://")) else ""

    @property
    def banking(self) -> bool:
        return capabilities(self.verification.provider).banking


def refusal_words(verification: Verification, refused: str) -> str:
    """A refusal in the applicant's words when the provider knows them ("" otherwise: a raw
    refusal may be technical)."""
    if not refused:
        return ""
    text = get_provider(verification.provider).user_message(refused)
    return text if text != refused else ""


def last_refusal(verification: Verification) -> Submission | None:
    """The newest submission, if the provider refused it."""
    last = verification.submissions.order_by("-created_at").first()
    return last if last is not None and last.state == Submission.State.REJECTED else None


def progress_of(verification: Verification) -> Progress:
    stage, refused = _stage(verification)
    progress = Progress(stage=stage, verification=verification, refused=refused)
    if stage in {"fix", "team", "restart"}:
        progress.fix = fix_kind(verification)
    if stage == "fix":
        progress.reupload = open_reupload(verification)
    if capabilities(verification.provider).per_document_review:
        progress.documents = current_documents(verification)
    if stage == "verified" and progress.banking:
        progress.banks = list(verification.bank_accounts.all())
    return progress


def _stage(verification: Verification) -> tuple[str, str]:
    if verification.customer_state == CustomerState.PENDING:
        return "saving", ""  # the provider did not answer the profile yet
    if verification.customer_state == CustomerState.REJECTED:
        return "profile_refused", ""
    if active_submission(verification) is not None:
        return "sending", ""
    # Readiness is decided in kyc.services.holds: our decision first, then any hold.
    if on_hold(verification) and verified_for_us(verification):
        return "on_hold", ""
    if verification.staff_decision:
        return ("verified" if verified_for_us(verification) else "team"), ""
    last = last_refusal(verification)
    refused = last.last_error if last else ""
    if verification.status == Status.UNVERIFIED:
        # Refused: the details page shows why, on the fields, with what was typed.
        return ("refused" if refused else "not_submitted"), refused
    if verification.status == Status.FAILED:
        if fixable(verification):
            return "fix", refused
        return ("restart" if may_hand_off(verification) else "team"), refused
    return verification.status.lower(), ""  # action_required, processing or verified


# Documents the applicant sends; others (a credit file) are checked without them.
APPLICANT_DOCUMENTS = (ProviderDocument.Type.IDENTITY, ProviderDocument.Type.ADDRESS)


def current_documents(verification: Verification) -> list[ProviderDocument]:
    """The applicant's documents of the current case: the newest of each type (an older
    refusal of a type sent again is history, kept for staff)."""
    rows = verification.provider_documents.exclude(status=ProviderDocument.State.SUPERSEDED).filter(
        type__in=APPLICANT_DOCUMENTS
    )
    if verification.provider_case_id:
        rows = rows.filter(case_id=verification.provider_case_id)
    newest: dict[str, ProviderDocument] = {}
    for row in rows.order_by("-created_at", "-pk"):
        newest.setdefault(row.type, row)
    documents = sorted(newest.values(), key=lambda row: APPLICANT_DOCUMENTS.index(row.type))
    word_documents(verification, documents)
    return documents


def hosted_documents(verification: Verification) -> list[str]:
    """What the provider's pages will ask for, in the applicant's words ([] if unknown)."""
    try:
        spec = verification_form_spec(verification=verification)
    except ProviderError:
        return []
    return [str(spec.document_labels.get(kind, kind)) for kind in spec.document_types]


def bank_view(bank: BankAccount) -> dict[str, Any]:
    provider = banking_provider(bank.verification.provider)
    failed = bank.status == BankAccount.State.FAILED and provider is not None
    return {
        "pk": bank.pk,
        "label": bank.label,
        "kind": bank.get_kind_display(),
        "status": bank.status,
        "status_words": BANK_STATUS_WORDS.get(bank.status, bank.status),
        "reason": provider.bank_reason_text(bank.failure_reason) if failed and provider else "",
    }


def bank_key(banks: list[BankAccount]) -> str:
    return "|".join(f"{bank.pk}:{bank.status}" for bank in banks)


# Stages where the applicant waits for the provider: the page says when we last heard.
WAITING_STAGES = frozenset({"processing", "action_required"})


def last_checked(verification: Verification) -> datetime | None:
    """When we last heard from the provider about this verification: our newest poll of
    it, its newest webhook delivery, or its answer to the newest submission."""
    webhooks = verification.webhook_events.exclude(state=WebhookEvent.State.INVALID)
    newest_webhook = webhooks.order_by("-received_at").values_list("received_at", flat=True)
    sent = verification.submissions.filter(sent_at__isnull=False).order_by("-sent_at")
    found = [
        verification.last_checked_at,
        newest_webhook.first(),
        sent.values_list("sent_at", flat=True).first(),
    ]
    return max((when for when in found if when is not None), default=None)


def checked_words(when: datetime, now: datetime) -> str:
    """ "Last checked 2 minutes ago.": minutes, then hours, then the date."""
    minutes = max(int((now - when).total_seconds() // 60), 0)
    if minutes < 1:
        return gettext("Last checked less than a minute ago.")
    if minutes < 60:
        text = ngettext(
            "Last checked %(count)d minute ago.", "Last checked %(count)d minutes ago.", minutes
        )
        return text % {"count": minutes}
    hours = minutes // 60
    if hours < 24:
        text = ngettext(
            "Last checked %(count)d hour ago.", "Last checked %(count)d hours ago.", hours
        )
        return text % {"count": hours}
    day = date_format(timezone.localtime(when), "DATE_FORMAT")
    return gettext("Last checked on %(date)s.") % {"date": day}


def last_checked_view(progress: Progress) -> dict[str, str] | None:
    """What the status page says under its panel while the applicant waits (None: nothing)."""
    if progress.stage not in WAITING_STAGES:
        return None
    when = last_checked(progress.verification)
    if when is None:
        return None
    return {"iso": when.isoformat(), "words": checked_words(when, timezone.now())}
