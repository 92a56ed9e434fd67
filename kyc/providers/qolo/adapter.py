"""Qolo behind the core's `Provider` interface: the person is created with its KYC.

CreatePerson runs KYC by itself [CP][FLOWS], so the profile step only saves, and the
first submission creates the person (with an IdempotencyKey; after a lost answer the
person is found by our reference) and then hands the document over inline, as base64 of
the bytes in our bucket (PerformKYC). Challenge questions, corrections and our own
verification (client override) are PerformKYC calls too. Qolo sends no failure webhook,
so the status is read back (`GET /persons/{guid}` and `.../kyc`) after every call, by
polling, and on every webhook, which is only a hint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kyc.models import Document, FailureReason, FixKind, Status, Submission
from kyc.providers.base import CallObserver, json_object
from kyc.providers.errors import InvalidWebhookError, PermanentProviderError
from kyc.providers.interface import (
    PROFILE_SPLIT_NAME,
    Action,
    Attestation,
    Capabilities,
    CorrectionPart,
    Delivery,
    DocumentSource,
    FormSpec,
    Outcome,
    ProviderEvent,
    Question,
    TaxId,
    Words,
)
from kyc.providers.qolo import vocabulary as words
from kyc.providers.qolo.checks import deploy_checks, startup_checks
from kyc.providers.qolo.client import QoloClient
from kyc.providers.qolo.forms import SsnField
from kyc.providers.qolo.types import Entry, KycResult, Person

if TYPE_CHECKING:
    from django.core.checks import CheckMessage

    from kyc.models import Verification

logger = logging.getLogger(__name__)

# Our submission data's names, as Qolo's errors name them (dot paths of `errors`).
SUBMISSION_FIELDS = {
    "person_details.first_name": "given_name",
    "person_details.last_name": "family_name",
    "person_details.birth_date": "dob",
    "person_details.base_address": "address_line1",
    "person_details.identifications": "document_number",
    "document": "document_type",
}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024  # per file sent inline (the emulator's limit too)
NAME_MAX = 32  # first_name, last_name [SPEC PersonDTO]
SIGNATURE = "x-qolo-signature"


class InvalidSignature(InvalidWebhookError):
    http_status = 401


class MalformedWebhook(InvalidWebhookError):
    http_status = 400


class QoloProvider:
    name = "qolo"
    label = "Qolo"
    webhook_secret_headers = frozenset({SIGNATURE})
    webhook_credential_headers: frozenset[str] = frozenset()

    def __init__(self, *, observers: Sequence[CallObserver] = ()) -> None:
        self._observers = observers

    @cached_property
    def client(self) -> QoloClient:
        return QoloClient.from_settings(observers=self._observers)

    @property
    def capabilities(self) -> Capabilities:
        kinds = [Document.Kind.FRONT, Document.Kind.BACK]
        if settings.QOLO_SEND_SELFIE:
            kinds.append(Document.Kind.SELFIE)
        return Capabilities(
            collection="in_app",
            customer_create="with_kyc",
            document_transport="inline",
            document_kinds=tuple(kinds),
            per_document_review=False,
            corrections="resubmit",
            fixes=frozenset({FixKind.DOCUMENT, FixKind.TAX, FixKind.SELFIE}),
            correction_limit=settings.QOLO_CORRECTION_LIMIT,
            challenge_questions=True,
            client_override=True,
            reset=False,
            sandbox_outcomes=(),
            staff_document_review=False,
            banking=False,
            webhook_auth=str(_("HMAC-SHA256 of the body (x-qolo-signature)")),
            # A challenge waits for the applicant: asked now and then, in case it expired.
            status_needs_polling=frozenset({Status.ACTION_REQUIRED}),
            profile_needs=frozenset({PROFILE_SPLIT_NAME}),
            poll_after=settings.QOLO_POLL_AFTER,
            # Both calls carry an IdempotencyKey, and the person is looked up by our
            # reference first: a retry completes what a lost answer left half done.
            idempotent_submit=True,
        )

    @property
    def words(self) -> Words:
        return words.WORDS

    @property
    def tax_id(self) -> TaxId | None:
        return TaxId(label=words.WORDS.tax_id, field=SsnField) if settings.QOLO_ASK_SSN else None

    # --- the person: created by the first submission ----------------------------------------
    def create_customer(self, verification: Verification) -> str:
        raise PermanentProviderError("Qolo creates the person with its first KYC submission")

    def find_customer(self, client_reference_id: str) -> str | None:
        """The person an earlier attempt created under our reference (its answer was lost)."""
        for person in self.client.search_persons(client_reference_id):
            if person.client_reference_id == client_reference_id:
                return person.person_guid
        return None

    @staticmethod
    def profile_errors(error: PermanentProviderError) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for path, texts in error.field_errors.items():
            name = next(
                (ours for theirs, ours in SUBMISSION_FIELDS.items() if path.startswith(theirs)),
                "__all__",
            )
            errors.setdefault(name, []).extend(texts)
        return errors or {"__all__": [error.message]}

    @staticmethod
    def user_message(text: str) -> str:
        """A refusal in the applicant's words where we know it (a field too long)."""
        found = words.TOO_LONG.search(text)
        if found and found.group(1).split(".")[-1] in words.FIELD_WORDS:
            field = words.FIELD_WORDS[found.group(1).split(".")[-1]]
            return str(words.TOO_LONG_WORDS).format(limit=found.group(2), field=field)
        return text

    @staticmethod
    def refused_fields(text: str) -> Mapping[str, str]:
        return {}

    # --- the KYC form: ours, from settings -----------------------------------------------------
    def fetch_form_spec(self, verification: Verification) -> dict[str, Any]:
        return {"document_types": list(words.DOCUMENT_TYPES)}

    def parse_form_spec(self, raw: Mapping[str, Any]) -> FormSpec:
        kinds = [
            str(kind) for kind in raw.get("document_types", []) if kind in words.DOCUMENT_TYPES
        ]
        return FormSpec(
            document_types=kinds,
            document_labels=words.DOCUMENT_LABELS,
            document_number_help=words.DOCUMENT_NUMBER_HELP,
            tax_id=self.tax_id,
        )

    @staticmethod
    def correction_parts() -> Mapping[str, CorrectionPart]:
        return {
            # The SSN alone: the check runs again on what is sent.
            FixKind.TAX: CorrectionPart(fields=("tax_number",)),
            FixKind.DOCUMENT: CorrectionPart(
                fields=("address", "document_type", "document_number"),
                documents=(Document.Kind.FRONT, Document.Kind.BACK),
            ),
            FixKind.SELFIE: CorrectionPart(
                fields=("document_type",), documents=(Document.Kind.SELFIE,)
            ),
        }

    # --- submissions -------------------------------------------------------------------------
    def submit(self, submission: Submission, documents: DocumentSource) -> Outcome:
        verification = submission.verification
        data = _merged(submission)
        key = f"{verification.client_reference_id}:{submission.pk}"
        person_guid = verification.provider_customer_id
        if submission.kind == Submission.Kind.INITIAL and not person_guid:
            person_guid = self._person(verification, data, key)
        if not person_guid:
            raise PermanentProviderError("the person does not exist at Qolo yet")
        person = self.client.get_person(person_guid)
        status = (person.person_status or "").upper()
        # A screened person takes no more KYC, a cleared one needs none (a program that
        # clears at creation answers "Person Already Verified" to more).
        if status not in words.SCREENED and status != words.CLEARED:
            body = _verification_request(submission.kind, data, documents)
            if body:
                try:
                    self.client.perform_kyc(person_guid, body, idempotency_key=f"{key}:kyc")
                except PermanentProviderError as refused:
                    if submission.kind != Submission.Kind.INITIAL:
                        raise
                    # The person exists now: its state is what counts (and is kept), the
                    # refused part is asked for again as a correction.
                    logger.warning("PerformKYC refused after CreatePerson: %s", refused.code)
        return self._outcome(person_guid)

    def _person(self, verification: Verification, data: Mapping[str, Any], key: str) -> str:
        """The applicant's person: found by our reference, or created. The key is this
        submission's, so a retry replays its own answer while a corrected submission (a
        shorter name, after a refusal) is a new request."""
        found = self.find_customer(verification.client_reference_id)
        if found:
            return found
        body = {
            "program_guid": settings.QOLO_PROGRAM_GUID,
            "person_details": person_details(verification, data),
        }
        return self.client.create_person(body, idempotency_key=f"{key}:person").person_guid

    def current(self, verification: Verification) -> Outcome:
        if not verification.provider_customer_id:
            return Outcome(status=Status.UNVERIFIED)
        return self._outcome(verification.provider_customer_id)

    def _outcome(self, person_guid: str) -> Outcome:
        person = self.client.get_person(person_guid)
        return outcome_of(person, self.client.get_kyc(person_guid))

    def reset(self, verification: Verification) -> Outcome:
        raise PermanentProviderError("Qolo has no reset")

    def force_outcome(self, verification: Verification, outcome: str) -> Outcome:
        raise PermanentProviderError("Qolo has no sandbox outcomes to force")

    # --- challenge questions (ChallengeProvider) ------------------------------------------------
    def answer_challenge(self, verification: Verification, answers: Mapping[str, str]) -> Outcome:
        """The option texts chosen, sent once [SEED]: never stored, never logged."""
        person_guid = _person_guid(verification)
        body = {
            "perform_kyc": True,
            "answers": [{"key": key, "answer": answer} for key, answer in answers.items()],
        }
        # One key per sending (never derived from the answers: it would fingerprint them).
        key = f"{verification.client_reference_id}:answers:{uuid.uuid4().hex}"
        self.client.perform_kyc(person_guid, body, idempotency_key=key)
        return self._outcome(person_guid)

    # --- our own verification (ClientOverrideProvider) -----------------------------------------
    def client_override(self, verification: Verification, attestation: Attestation) -> Outcome:
        person_guid = _person_guid(verification)
        body = {
            "client_verification": {
                "verification_datetime": attestation.verified_at.isoformat(),
                "verification_provider": attestation.verifier[:100],
                "verification_provider_refnumber": attestation.reference[:100],
                "verification_level": attestation.level[:50],
            }
        }
        said = f"{attestation.reference}|{attestation.level}|{attestation.verified_at.isoformat()}"
        digest = hashlib.sha256(said.encode()).hexdigest()[:24]
        key = f"{verification.client_reference_id}:override:{digest}"
        self.client.perform_kyc(person_guid, body, idempotency_key=key)
        return self._outcome(person_guid)

    # --- webhooks ----------------------------------------------------------------------------
    def authenticate_webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None
    ) -> None:
        check_signature(headers, body, secret=settings.QOLO_WEBHOOK_SECRET)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        return delivery(body)

    def register_webhook(self, url: str) -> str:
        body = {
            "program_guid": settings.QOLO_PROGRAM_GUID,
            "url": url,
            "secret": settings.QOLO_WEBHOOK_SECRET,
            "active": True,
            "event_type": list(words.EVENTS),
        }
        for subscription in self.client.list_webhooks():
            if subscription.url == url:
                self.client.update_webhook(subscription.notification_guid, body)
                return subscription.notification_guid
        key = "webhook:" + hashlib.sha256(url.encode()).hexdigest()[:32]
        return self.client.create_webhook(body, idempotency_key=key).notification_guid

    @staticmethod
    def deploy_checks() -> list[CheckMessage]:
        return deploy_checks()

    @staticmethod
    def startup_checks() -> list[CheckMessage]:
        return startup_checks()


# --- bodies we send ------------------------------------------------------------------------------
def _merged(submission: Submission) -> dict[str, Any]:
    """What the provider has of the applicant, with this submission's values on top: a
    correction of one number still sends every identification (Qolo replaces the list)."""
    merged: dict[str, Any] = {}
    sent = submission.verification.submissions.filter(state=Submission.State.SENT)
    for earlier in sent.exclude(pk=submission.pk).order_by("created_at", "pk"):
        merged |= dict(earlier.data)
    return merged | dict(submission.data)


def person_details(verification: Verification, data: Mapping[str, Any]) -> dict[str, Any]:
    """PersonDTO [SPEC]: only the keys it declares (additionalProperties: false). Names
    over 32 characters go as typed: Qolo refuses them on their field, we never cut them."""
    address = data.get("address") or {}
    details: dict[str, Any] = {
        "first_name": verification.given_name or verification.full_name.split(" ", 1)[0],
        "last_name": verification.family_name or verification.full_name.rpartition(" ")[2],
        "birth_date": data["dob"],
        "email": verification.email,
        "mobile_number": verification.phone,
        "nationality": verification.nationality,
        "client_reference_id": verification.client_reference_id,
        "base_address": {
            "address_line1": address.get("line1") or None,
            "address_line2": address.get("line2") or None,
            "city": address.get("city") or None,
            "state": address.get("region") or None,
            "postal_code": address.get("postal_code") or None,
            "country": address.get("country") or verification.residence_country or None,
        },
        "identifications": identifications(data),
    }
    return details


def identifications(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The identity document's number, and the SSN under the configured GovtIDType."""
    found = []
    kind = words.DOCUMENT_TYPES.get(str(data.get("document_type") or ""))
    if kind and data.get("document_number"):
        number = str(data["document_number"])
        found.append({"govt_id_type": kind[1], "govt_id_number": number})
    if data.get("tax_number"):
        found.append(
            {"govt_id_type": settings.QOLO_SSN_ID_TYPE, "govt_id_number": data["tax_number"]}
        )
    return found


def _inline(documents: DocumentSource, kind: str) -> tuple[str, str]:
    """(base64 of the stored bytes, Qolo's FileType) of one document."""
    content, content_type = documents.read(kind, max_bytes=DOCUMENT_MAX_BYTES)
    file_type = words.FILE_TYPES.get(content_type.split(";")[0].strip().lower(), "JPEG")
    return base64.b64encode(content).decode("ascii"), file_type


def document_body(
    data: Mapping[str, Any], documents: DocumentSource, kinds: Sequence[str]
) -> dict[str, Any]:
    """Qolo's Document [SPEC]: the type, the file type of the front, the images inline."""
    kind = words.DOCUMENT_TYPES.get(str(data.get("document_type") or ""), ("OTHER", ""))
    body: dict[str, Any] = {"document_type": kind[0]}
    address = data.get("address") or {}
    if address.get("country"):
        body["issuing_country"] = address["country"]
    for ours, theirs in (
        (Document.Kind.FRONT, "front"),
        (Document.Kind.BACK, "back"),
        (Document.Kind.SELFIE, "face_image"),
    ):
        if ours in kinds and ours in documents.kinds:
            content, file_type = _inline(documents, ours)
            body[theirs] = content
            if ours == Document.Kind.FRONT:
                body["file_type"] = file_type
    return body


# The files each kind of submission sends inline (the rest of the person is already there).
DOCUMENTS_SENT: dict[str, tuple[str, ...]] = {
    Submission.Kind.INITIAL: (Document.Kind.FRONT, Document.Kind.BACK, Document.Kind.SELFIE),
    Submission.Kind.DOCUMENT: (Document.Kind.FRONT, Document.Kind.BACK),
    Submission.Kind.SELFIE: (Document.Kind.SELFIE,),
}


def _verification_request(
    kind: str, data: Mapping[str, Any], documents: DocumentSource
) -> dict[str, Any]:
    """The PerformKYC body [SEED] a submission of `kind` sends (empty: nothing to send)."""
    body: dict[str, Any] = {"perform_kyc": True}
    ids = identifications(data)
    sent = DOCUMENTS_SENT.get(kind, ())
    if set(sent) & set(documents.kinds):
        body["document"] = document_body(data, documents, sent)
    if kind in (Submission.Kind.TAX, Submission.Kind.DOCUMENT) and ids:
        body["identifications"] = ids  # the whole set: the person was created with it
    return body if len(body) > 1 else {}


# --- what Qolo says, in core terms ---------------------------------------------------------------
def _questions(entry: Entry) -> tuple[Question, ...]:
    return tuple(
        Question(key=q.key, prompt=(q.prompt or "")[:500], options=tuple(q.options[:10]))
        for q in entry.questions
        if q.key and q.options
    )


def _latest_by_method(history: list[Entry]) -> dict[str, Entry]:
    """Each method's newest entry: a later attempt of a method replaces the earlier one."""
    latest: dict[str, Entry] = {}
    for entry in history:
        latest[(entry.verification_method or "").upper()] = entry
    return latest


def _answered(later: list[Entry]) -> bool:
    """Questions are closed by any later OOW result (right or wrong)."""
    return any(
        (e.verification_method or "").upper() == "OOW" and _word(e) in words.PASSED | words.FAILED
        for e in later
    )


def _word(entry: Entry) -> str:
    return (entry.verification_results or "").upper()


def outcome_of(person: Person, result: KycResult) -> Outcome:
    """The person's status and its history, neutral (DESIGN-v2 §2.2): CLEARED is verified,
    a restricted status is a terminal screening failure; otherwise each method's newest
    entry decides: questions not yet answered wait for the applicant, a check still running
    is PROCESSING, and a failed one is a failure of what that method checks."""
    status = (person.person_status or "").upper()
    history = sorted(
        result.results, key=lambda e: (e.verification_date is not None, e.verification_date)
    )
    common: dict[str, Any] = {
        "provider_status": status[:64],
        "provider_customer_id": person.person_guid,
        "observed_at": history[-1].verification_date if history else None,
    }
    if status == words.CLEARED:
        return Outcome(status=Status.VERIFIED, **common)
    if status in words.SCREENED:
        return Outcome(
            status=Status.FAILED, reason=FailureReason.SCREENING, provider_reason=status, **common
        )
    latest = _latest_by_method(history)
    asking = [
        e
        for index, e in enumerate(history)
        if _questions(e) and _word(e) not in words.FAILED and not _answered(history[index + 1 :])
    ]
    if asking:
        action = Action(kind="challenge", questions=_questions(asking[-1]))
        return Outcome(status=Status.ACTION_REQUIRED, action=action, **common)
    failed = [e for e in history if e in latest.values() and _word(e) in words.FAILED]
    # A challenge is never "still running": its questions are asked (above) or answered (an
    # OOW entry after it says how).
    settled = words.PASSED | words.FAILED | words.CHALLENGED
    running = [e for e in latest.values() if _word(e) not in settled]
    if running or not history:
        return Outcome(status=Status.PROCESSING, **common)
    if not failed:
        # Every check passed, yet Qolo does not clear the person: what is missing is the
        # document (no DOC check passed yet), or something our team must look at.
        documented = _word(latest.get("DOC", Entry())) in words.PASSED
        reason = FailureReason.OTHER if documented else FailureReason.IDENTITY_DOCUMENT
        return Outcome(status=Status.FAILED, reason=reason, provider_reason=status, **common)
    newest = failed[-1]
    method = (newest.verification_method or "").upper()
    reason = words.METHOD_REASONS.get(method, FailureReason.OTHER)
    if reason == FailureReason.TAX_NUMBER and not settings.QOLO_ASK_SSN:
        reason = FailureReason.IDENTITY_DATA
    said = newest.reason_code or newest.response_code or method or status
    return Outcome(status=Status.FAILED, reason=reason, provider_reason=said[:255], **common)


# --- webhooks ---------------------------------------------------------------------------------
def signature(secret: str, body: bytes) -> str:
    """x-qolo-signature: lowercase hex HMAC-SHA256 of the raw body [WHP]."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(headers: Mapping[str, str], body: bytes, *, secret: str) -> None:
    given = (headers.get(SIGNATURE) or "").strip().lower()
    if not given:
        raise InvalidSignature("no x-qolo-signature")
    if not hmac.compare_digest(given.encode(), signature(secret, body).encode()):
        raise InvalidSignature("wrong x-qolo-signature")


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _guid(document: Mapping[str, Any]) -> str:
    """The person's guid wherever the (undocumented [WH]) payload keeps it."""
    data = _object(document.get("data"))
    for place in (document, data, _object(data.get("person_details"))):
        value = place.get("person_guid")
        if isinstance(value, str) and value.strip():
            return value.strip()[:64]
    return ""


def delivery(body: bytes) -> Delivery:
    """A verified delivery is a hint: the person's KYC is fetched again. Its dedupe key is
    a hash of the body (what the signature is too), so a redelivery collapses."""
    document = json_object(body, MalformedWebhook)
    event_type = str(document.get("event_type") or document.get("eventType") or "")[:50]
    key = "sha256:" + hashlib.sha256(body).hexdigest()
    guid = _guid(document)
    common: dict[str, Any] = {"entity_id": guid, "raw_type": event_type, "raw_event": event_type}
    if not guid:
        event = ProviderEvent("ignored", note="the delivery names no person", **common)
    elif event_type and not event_type.startswith("person."):
        event = ProviderEvent("ignored", note=f"{event_type} events are not used", **common)
    else:
        event = ProviderEvent("verification", outcome=None, **common)
    return Delivery(dedupe_key=key, events=(event,))


def _person_guid(verification: Verification) -> str:
    if not verification.provider_customer_id:
        raise PermanentProviderError("the person does not exist at Qolo yet")
    return verification.provider_customer_id
