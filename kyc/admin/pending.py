""" "What the user must fix" on the verification page, whatever the status.

A failure names what the user can send again (kyc/services/corrections.py). Before a
decision, it says what the applicant still has to do, or that nothing is theirs to do:
the profile the provider refused (and on which fields), the photos still missing, the
details not sent, the provider's own pages or questions to finish.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from kyc.models import CustomerState, Document, Status, Submission, Verification
from kyc.providers.registry import capabilities, known
from kyc.services.corrections import fix_kind

WAITING = (Submission.State.QUEUED, Submission.State.SENDING)


def still_to_do(verification: Verification) -> str:
    if verification.provider not in known():
        return "—"  # a provider no longer configured: nothing can be said of its policy
    if verification.status == Status.FAILED:
        return str(fix_kind(verification).label)
    if verification.status == Status.VERIFIED:
        return _("Nothing: verified.")
    if verification.status == Status.PROCESSING:
        return _("Nothing for now: the provider is checking what was sent.")
    if verification.status == Status.ACTION_REQUIRED:
        return _waiting_for_applicant(verification)
    return _not_submitted(verification)


def _waiting_for_applicant(verification: Verification) -> str:
    kind = (verification.action or {}).get("kind", "")
    if kind == "challenge":
        return _("Answer the provider's questions.")
    if kind == "reupload":
        return _("Send again the documents the provider refused.")
    return _("Finish the verification in the provider's pages.")


def _not_submitted(verification: Verification) -> str:
    if verification.customer_state == CustomerState.REJECTED:
        return profile_refusal(verification)
    if verification.customer_state == CustomerState.PENDING:
        return _("Nothing for now: the profile waits to be created at the provider.")
    latest = _current_submission(verification)
    if latest is not None and latest.state == Submission.State.REJECTED:
        said = f" ({latest.last_error})" if latest.last_error else ""
        return _("Send the details again: the provider refused them%(said)s.") % {"said": said}
    if latest is not None and latest.state in WAITING:
        return _("Nothing for now: the details are on their way to the provider.")
    if latest is not None:
        return _("Nothing for now: the provider has the details.")
    caps = capabilities(verification.provider)
    if caps.collection == "hosted":
        return _("Go through the provider's pages (documents and details).")
    missing = _missing_photos(verification, caps.document_kinds)
    if missing:
        return _("Upload the photos still missing: %(photos)s.") % {"photos": ", ".join(missing)}
    return _("Fill in and send the identity details (the photos are uploaded).")


def profile_refusal(verification: Verification) -> str:
    errors = verification.customer_errors or {}
    fields = "; ".join(
        f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in errors.items()
    )
    if not fields:
        return _("Correct the profile: the provider refused it.")
    return _("Correct the profile the provider refused (%(fields)s).") % {"fields": fields}


def _current_submission(verification: Verification) -> Submission | None:
    """The newest submission since the status last changed: after a reset, the ones
    before it were for the earlier verification."""
    since = Q(created_at__gte=verification.status_changed_at)
    return verification.submissions.filter(since).order_by("-created_at", "-pk").first()


def _missing_photos(verification: Verification, kinds: tuple[str, ...]) -> list[str]:
    # As the journey does: photos accepted before a reset still count.
    accepted = verification.documents.filter(state=Document.State.ACCEPTED)
    uploaded = set(accepted.values_list("kind", flat=True))
    labels = dict(Document.Kind.choices)
    return [str(labels.get(kind, kind)) for kind in kinds if kind not in uploaded]
