"""Our team's review of one document: accept it, refuse it with a reason, or ask the
applicant to upload exactly that document again, with a message they read.

Two kinds of document are reviewed:

- our own files (Document: front, back, selfie, checked in our bucket), for providers that
  decide on the whole verification only. The review is ours, kept on the row (review_state,
  reason, note, message, who and when); a new upload asked for is sent to the provider as a
  document correction once the applicant sent it (`document_reupload_send`), through the same
  upload checks and submission machinery as any correction;
- the provider's documents (ProviderDocument), for providers that review each document
  (Capabilities.per_document_review): the decision is the provider's call
  (kyc.services.staff.staff_review_document), and a new upload is a refusal with a message,
  which the provider's pages then ask for.

Every change is compare-and-set and leaves an AuditEvent naming the staff member in its
transaction; a refusal that changed nothing leaves none.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.models import Document, FixKind, ProviderDocument, Verification
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record
from kyc.services.corrections import UPDATE_KINDS, fix_kind, fixable
from kyc.services.notify import email_after_commit
from kyc.services.staff import (
    StaffActionRefused,
    StaffResult,
    clean_note,
    correction_data,
    latest_kyc_data,
    staff_review_document,
)
from kyc.services.submissions import ACTIVE, SubmissionRefused, submission_create

MESSAGE_MAX_LENGTH = 500


class ReviewReason(models.TextChoices):
    """Why our team refuses a document or asks for it again (the staff's labels)."""

    UNREADABLE = "unreadable", gettext_lazy("Unreadable: blurred, dark or glare")
    CUT_OFF = "cut_off", gettext_lazy("Cut off: a corner or an edge is missing")
    EXPIRED = "expired", gettext_lazy("Expired document")
    WRONG_DOCUMENT = "wrong_document", gettext_lazy("Not the document asked for")
    NAME_MISMATCH = "name_mismatch", gettext_lazy("The name does not match the applicant")
    FACE_MISMATCH = "face_mismatch", gettext_lazy("The selfie does not match the document")
    TAMPERED = "tampered", gettext_lazy("Suspected tampering")
    OTHER = "other", gettext_lazy("Other (say why in the note)")


# What the applicant reads for each reason (our text: in their language, at render time).
APPLICANT_WORDS: dict[str, Any] = {
    ReviewReason.UNREADABLE: gettext_lazy(
        "We could not read it: take the photo again in good light, without glare, and hold "
        "the phone still."
    ),
    ReviewReason.CUT_OFF: gettext_lazy(
        "Part of it was cut off: keep all four corners of the document in the picture."
    ),
    ReviewReason.EXPIRED: gettext_lazy("The document has expired: use one that is still valid."),
    ReviewReason.WRONG_DOCUMENT: gettext_lazy(
        "It was not the document we asked for: send the side or document named here."
    ),
    ReviewReason.NAME_MISMATCH: gettext_lazy(
        "The name on it did not match yours: send a document in your own name."
    ),
    ReviewReason.FACE_MISMATCH: gettext_lazy(
        "The selfie did not match the photo on your document: take a new selfie yourself, now."
    ),
    ReviewReason.TAMPERED: gettext_lazy("We could not accept it as sent: send the original."),
    ReviewReason.OTHER: gettext_lazy("Please send it again."),
}
# The file a correction of each FixKind sends again (a new upload of this kind fixes it).
KIND_FIX: dict[str, FixKind] = {
    Document.Kind.FRONT: FixKind.DOCUMENT,
    Document.Kind.BACK: FixKind.DOCUMENT,
    Document.Kind.SELFIE: FixKind.SELFIE,
}


def applicant_reason(document: Document) -> str:
    """Why a new upload is asked, in the active language ("" when no reason was given)."""
    words = APPLICANT_WORDS.get(document.review_reason)
    return str(words) if words else ""


def _reason(reason: str) -> str:
    if reason not in ReviewReason.values:
        raise StaffActionRefused(_("Choose why."))
    return reason


def _message(message: str) -> str:
    message = (message or "").strip()
    if not message:
        raise StaffActionRefused(_("Write the message the applicant will read."))
    if len(message) > MESSAGE_MAX_LENGTH:
        raise StaffActionRefused(_("The message is too long."))
    return message


# --- our own files ------------------------------------------------------------------------------
def reupload_refusal(document: Document) -> str:
    """Why a new upload of this file cannot be asked now ("" when it can): the provider must
    take a correction sending this file, with an attempt left and nothing on its way."""
    return reupload_refusals(document.verification).get(document.kind, "")


def reupload_refusals(verification: Verification) -> dict[str, str]:
    """For each kind of file, why a new upload cannot be asked now (a kind left out: it can).
    Worked out once per verification: the viewer asks it of every file it lists."""
    kinds = list(Document.Kind.values)
    if not fixable(verification):
        said = _(
            "The provider takes a new document only as a correction of a failure it reported, "
            "with an attempt left."
        )
        return dict.fromkeys(kinds, said)
    part = get_provider(verification.provider).correction_parts().get(fix_kind(verification))
    sent = set(part.documents) if part else set()
    refusals = {
        kind: _("The correction the provider asks for does not send this file.")
        for kind in kinds
        if kind not in sent
    }
    if verification.submissions.filter(state__in=ACTIVE).exists():
        waiting = _("A submission is on its way: wait for the provider's answer.")
        refusals |= dict.fromkeys(sent, waiting)
    return refusals


def _review(
    document_id: int,
    actor: Any,
    *,
    state: str,
    action: str,
    reason: str = "",
    note: str = "",
    message: str = "",
) -> StaffResult:
    """Record a review of an accepted file (compare-and-set on its review), audited."""
    with transaction.atomic():
        document = (
            Document.objects.select_for_update().select_related("verification").get(pk=document_id)
        )
        if document.state != Document.State.ACCEPTED:
            return StaffResult(False, _("Only a file that passed our checks can be reviewed."))
        if document.review_state == state:
            return StaffResult(False, _("The document is already so: nothing changed."))
        if state == Document.Review.REUPLOAD:
            refusal = reupload_refusal(document)
            if refusal:
                return StaffResult(False, refusal)
        before = document.review_state or "unreviewed"
        Document.objects.filter(pk=document.pk, review_state=document.review_state).update(
            review_state=state,
            review_reason=reason,
            review_note=note,
            review_message=message,
            reviewed_by=actor if getattr(actor, "pk", None) else None,
            reviewed_at=timezone.now(),
        )
        said = "; ".join(filter(None, [reason, note, f"message: {message}" if message else ""]))
        verification = document.verification
        audit_record(
            verification=verification,
            action=action,
            source="staff",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note=": ".join(
                filter(None, [f"{document.get_kind_display()} #{document.pk} (was {before})", said])
            ),
        )
        if state == Document.Review.REUPLOAD:  # the link leads to this file's page only
            email_after_commit(
                verification_id=verification.pk,
                template="resubmission_requested",
                fix=KIND_FIX[document.kind].value,
                note=message,
            )
    return StaffResult(True, "")


def document_accept(*, document_id: int, actor: Any, note: str = "") -> StaffResult:
    result = _review(
        document_id,
        actor,
        state=Document.Review.ACCEPTED,
        action="document_review_accepted",
        note=clean_note(note),
    )
    return StaffResult(True, _("Document accepted.")) if result.done else result


def document_reject(*, document_id: int, actor: Any, reason: str, note: str = "") -> StaffResult:
    """Refuse a file on our side, with a reason code (and a note for staff)."""
    reason = _reason(reason)
    note = clean_note(note, required=reason == ReviewReason.OTHER)
    result = _review(
        document_id,
        actor,
        state=Document.Review.REJECTED,
        action="document_review_rejected",
        reason=reason,
        note=note,
    )
    return StaffResult(True, _("Document refused.")) if result.done else result


def document_request_reupload(
    *, document_id: int, actor: Any, reason: str, message: str
) -> StaffResult:
    """Ask the applicant for exactly this file again; `message` is shown to them as written."""
    reason, message = _reason(reason), _message(message)
    result = _review(
        document_id,
        actor,
        state=Document.Review.REUPLOAD,
        action="document_reupload_requested",
        reason=reason,
        message=message,
    )
    if not result.done:
        return result
    return StaffResult(True, _("The applicant is asked to upload this document again."))


# --- the applicant's side -----------------------------------------------------------------------
def open_reupload(verification: Verification) -> Document | None:
    """The file our team asks this applicant to upload again, if a request is open: asked
    since the verification's last status change (a reset or a new decision closes it) and
    still a correction the provider takes."""
    requested = (
        verification.documents.filter(
            review_state=Document.Review.REUPLOAD,
            reviewed_at__gte=verification.status_changed_at,
        )
        .order_by("-reviewed_at")
        .first()
    )
    if requested is None or not fixable(verification):
        return None
    return requested


def document_reupload_send(
    *, verification_id: int, requested_id: int, new_document_id: int, actor: Any
) -> Any:
    """The applicant sent the file asked for: a correction for the provider with the stored
    data and this file in place of the one refused (raises SubmissionRefused when it cannot
    be sent). The request is closed in the same transaction."""
    verification = Verification.objects.get(pk=verification_id)
    requested = Document.objects.get(
        pk=requested_id, verification=verification, review_state=Document.Review.REUPLOAD
    )
    new = Document.objects.get(
        pk=new_document_id,
        verification=verification,
        kind=requested.kind,
        state=Document.State.ACCEPTED,
    )
    kind = fix_kind(verification)
    part = get_provider(verification.provider).correction_parts().get(kind)
    if kind not in UPDATE_KINDS or part is None:
        raise SubmissionRefused("this correction does not fix the reported failure")
    stored = latest_kyc_data(verification.submissions.all())
    stored["documents"] = {**(stored.get("documents") or {}), new.kind: new.pk}
    data = correction_data(stored, part)
    if data is None:
        raise SubmissionRefused("the stored data lacks what this correction needs")
    with transaction.atomic():
        closed = Document.objects.filter(
            pk=requested.pk, review_state=Document.Review.REUPLOAD
        ).update(review_state=Document.Review.REPLACED)
        if not closed:
            raise SubmissionRefused("the request was answered already")
        submission = submission_create(
            verification=verification, kind=UPDATE_KINDS[kind], data=data, actor=actor
        )
        audit_record(
            verification=verification,
            action="document_reuploaded",
            source="user",
            actor=actor,
            from_status=verification.status,
            to_status=verification.status,
            note=f"{requested.get_kind_display()} #{requested.pk} replaced by #{new.pk}",
        )
    return submission


# --- the provider's documents (Capabilities.per_document_review) --------------------------------
def provider_document_decide(
    *, document_id: int, actor: Any, decision: str, reason: str = "", message: str = ""
) -> StaffResult:
    """Accept, refuse, or ask again for one of the provider's documents: the provider decides
    (a new upload is a refusal whose message the provider's pages show the applicant)."""
    if decision not in ("accept", "reject", "reupload"):
        raise StaffActionRefused(_("Choose to accept, to refuse or to ask again."))
    if decision == "reupload":
        message = _message(message)
    result = staff_review_document(
        document_id=document_id,
        actor=actor,
        accept=decision == "accept",
        reason=reason,
        message=message,
    )
    if decision != "reupload" or not result.done:
        return result
    document = ProviderDocument.objects.select_related("verification").get(pk=document_id)
    audit_record(
        verification=document.verification,
        action="document_reupload_requested",
        source="staff",
        actor=actor,
        from_status=document.verification.status,
        to_status=document.verification.status,
        note=f"{document.get_type_display()} {document.provider_document_id} at the provider "
        f"({reason}): {message}",
    )
    return StaffResult(True, _("The provider asks the applicant for this document again."))
