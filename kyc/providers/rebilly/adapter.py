"""Rebilly behind the core's `Provider` interface: hosted KYC requests, reviewed per document.

The profile step upserts the customer under our own reference (`PUT /customers/{id}`,
so a retry never makes two). The applicant then continues in Rebilly's document
gatherer: `start_hosted` creates a KYC request (or finds the open one) and hands back its
`gatherer` link. Every report, webhook or redirect back, is only a prompt to fetch the
request again (`current`), whose documents become per-document records in the core.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyc.models import FailureReason, FixKind, ProviderDocument, Status
from kyc.providers.base import CallObserver
from kyc.providers.errors import InvalidResponseError, PermanentProviderError
from kyc.providers.interface import (
    PROFILE_DATE_OF_BIRTH,
    PROFILE_SPLIT_NAME,
    Action,
    Capabilities,
    CorrectionPart,
    Delivery,
    DocumentSnapshot,
    DocumentSource,
    FormSpec,
    Outcome,
    TaxId,
    Words,
)
from kyc.providers.rebilly import vocabulary as words
from kyc.providers.rebilly.checks import deploy_checks, startup_checks
from kyc.providers.rebilly.client import RebillyClient
from kyc.providers.rebilly.types import KycDocument, KycRequest
from kyc.providers.rebilly.webhooks import check_basic, delivery
from onboarding.countries import alpha_2

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.core.checks import CheckMessage

    from kyc.models import Submission, Verification

logger = logging.getLogger(__name__)

# Rebilly's customer fields (dot paths of 422 invalidFields) as our profile form names them.
PROFILE_FIELDS = {
    "primaryAddress.firstName": "given_name",
    "primaryAddress.lastName": "family_name",
    "primaryAddress.dob": "date_of_birth",
    "primaryAddress.country": "nationality",
    "primaryAddress.emails": "email",
    "primaryAddress.phoneNumbers": "phone",
}
# The gatherer link's name: `gatherer` now [SPEC KycRequest.yaml], `kycGatherer` before
# December 2022 and still in the integration guide [KYCINT]. Either is taken.
GATHERER_RELS = ("gatherer", "kycGatherer")
# Our clock and Rebilly's differ a little: a request is taken as expired by us only when
# it is clearly past its expirationTime and Rebilly has not said so yet.
EXPIRY_SLACK = timedelta(minutes=1)
REQUEST_REASON = "registration"


class RebillyProvider:
    name = "rebilly"
    label = "Rebilly"
    # Its deliveries carry only the Basic credential, which is never stored anyway.
    webhook_secret_headers: frozenset[str] = frozenset()
    webhook_credential_headers: frozenset[str] = frozenset()

    def __init__(self, *, observers: Sequence[CallObserver] = ()) -> None:
        self._observers = observers

    @cached_property
    def client(self) -> RebillyClient:
        return RebillyClient.from_settings(observers=self._observers)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            collection="hosted",
            customer_create="before_kyc",
            document_transport="none",
            document_kinds=(),
            per_document_review=True,
            corrections="new_request",
            # A refused document is uploaded again in the gatherer while attempts are left
            # (Rebilly counts them: maxAttempts); an expired request is started again.
            fixes=frozenset({FixKind.RESTART}),
            # Restarts after an expired request, ours to limit (Rebilly counts the uploads).
            correction_limit=settings.REBILLY_RESTARTS,
            challenge_questions=False,
            client_override=False,
            reset=False,
            sandbox_outcomes=(),
            staff_document_review=True,
            banking=False,
            webhook_auth=str(_("HTTP Basic credentials registered with the provider")),
            # Expired and abandoned requests send no webhook [SPEC webhooks]: asking finds them.
            status_needs_polling=frozenset({Status.ACTION_REQUIRED}),
            profile_needs=frozenset({PROFILE_SPLIT_NAME, PROFILE_DATE_OF_BIRTH}),
        )

    @property
    def words(self) -> Words:
        return words.WORDS

    @property
    def tax_id(self) -> TaxId | None:
        return None

    # --- customers ---------------------------------------------------------------------------
    def create_customer(self, verification: Verification) -> str:
        return self.client.put_customer(
            verification.client_reference_id, customer_body(verification)
        ).id

    def find_customer(self, client_reference_id: str) -> str | None:
        found = self.client.get_customer(client_reference_id)
        return None if found is None else found.id

    @staticmethod
    def profile_errors(error: PermanentProviderError) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for path, texts in error.field_errors.items():
            name = next(
                (ours for theirs, ours in PROFILE_FIELDS.items() if path.startswith(theirs)),
                "__all__",
            )
            errors.setdefault(name, []).extend(texts)
        if errors:
            return errors
        # A 409 without invalidFields: most often another customer with this email.
        if error.status_code == 409 and "email" in error.message.lower():
            return {"email": [error.message.split(": ", 1)[-1]]}
        return {"__all__": [error.message.split(": ", 1)[-1]]}

    @staticmethod
    def user_message(text: str) -> str:
        return text

    @staticmethod
    def refused_fields(text: str) -> Mapping[str, str]:
        return {}

    # --- the KYC form: Rebilly's own pages collect everything --------------------------------
    def fetch_form_spec(self, verification: Verification) -> dict[str, Any]:
        """What the program's KYC requests ask for (settings, not a call): the hosted page
        tells the applicant before they go."""
        wanted = requested_documents()
        kinds = [item["type"] for item in wanted]
        if any(item.get("faceProofRequired") for item in wanted):
            kinds.append(words.SELFIE)
        return {"documents": kinds}

    def parse_form_spec(self, raw: Mapping[str, Any]) -> FormSpec:
        kinds = [str(item) for item in raw.get("documents", []) if item in words.NEEDED_LABELS]
        return FormSpec(document_types=kinds, document_labels=words.NEEDED_LABELS)

    @staticmethod
    def correction_parts() -> Mapping[str, CorrectionPart]:
        return {}

    def submit(self, submission: Submission, documents: DocumentSource) -> Outcome:
        raise PermanentProviderError("Rebilly collects the KYC data in its own pages")

    def reset(self, verification: Verification) -> Outcome:
        raise PermanentProviderError("Rebilly has no reset: start a new KYC request")

    def force_outcome(self, verification: Verification, outcome: str) -> Outcome:
        raise PermanentProviderError("Rebilly has no sandbox outcomes to force")

    # --- the hosted flow (HostedProvider) ----------------------------------------------------
    def start_hosted(
        self, verification: Verification, *, return_url: str, start_new: bool = True
    ) -> Outcome:
        """The applicant's current KYC request while it is open, else (when `start_new`) a
        new one: the outcome carries the gatherer link. A fulfilled or failed request is
        final: its outcome comes back, and nothing new is started. Without a request of ours
        on record, the customer's open one is reused, so a lost answer never makes two."""
        customer_id = _customer_id(verification)
        request: KycRequest | None = None
        if verification.provider_case_id:
            request = self.client.get_kyc_request(verification.provider_case_id)
            if request.status in words.FINAL or (_is_open(request) or not start_new):
                return self._checked(request)
        else:
            request = self._open_request(customer_id)
            if request is not None:
                return self._checked(request)
        if not start_new:
            raise PermanentProviderError("no open KYC request, and no new one may be started")
        return self._checked(self.client.create_kyc_request(request_body(customer_id, return_url)))

    def _checked(self, request: KycRequest) -> Outcome:
        outcome = outcome_of(request, self._documents(request))
        if outcome.status == Status.ACTION_REQUIRED:
            url = outcome.action.url if outcome.action else ""
            if not url:
                raise InvalidResponseError("the KYC request has no gatherer link")
            if not gatherer_allowed(url):
                raise InvalidResponseError("the gatherer link is not on an allowed host")
        return outcome

    def _open_request(self, customer_id: str) -> KycRequest | None:
        for request in self.client.list_kyc_requests(customer_id):
            if _is_open(request):
                return request
        return None

    def returned(self, verification: Verification, query: Mapping[str, str]) -> Outcome:
        """Back from the gatherer: `info` says what the applicant did, but proves nothing
        [SPEC redirectUrl]; the request itself is fetched."""
        return self.current(verification)

    def current(self, verification: Verification) -> Outcome:
        if not verification.provider_case_id:
            requests = self.client.list_kyc_requests(_customer_id(verification))
            if not requests:
                return Outcome(status=Status.UNVERIFIED, provider_status="")
            request = requests[0]
        else:
            request = self.client.get_kyc_request(verification.provider_case_id)
        return outcome_of(request, self._documents(request))

    def _documents(self, request: KycRequest) -> list[KycDocument]:
        if request.embedded is not None:
            return request.embedded.documents
        return self.client.list_documents(request.id)

    # --- staff review (DocumentReviewProvider) ------------------------------------------------
    def review_document(
        self,
        verification: Verification,
        document_id: str,
        *,
        accept: bool,
        reason: str,
        message: str,
    ) -> DocumentSnapshot:
        if accept:
            document = self.client.accept_document(document_id)
        else:
            document = self.client.reject_document(document_id, reason, message)
        return snapshot_of(document, attempts_left=None)

    @staticmethod
    def rejection_choices() -> list[tuple[str, str]]:
        """The reasons staff may give when refusing a document [SPEC rejection types]."""
        return [(code, code.replace("-", " ").capitalize()) for code in words.REFUSALS]

    @staticmethod
    def document_words(document: ProviderDocument) -> tuple[str, str]:
        label = words.label(document.type, document.subtype)
        if document.status != ProviderDocument.State.REJECTED:
            return label, ""
        return label, words.refusal(label, document.provider_reason or "other", document.reason)

    # --- webhooks ----------------------------------------------------------------------------
    def authenticate_webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None
    ) -> None:
        check_basic(
            headers,
            username=settings.REBILLY_WEBHOOK_USERNAME,
            password=settings.REBILLY_WEBHOOK_PASSWORD,
        )

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        return delivery(body)

    def register_webhook(self, url: str) -> str:
        """Our Basic credential for the URL's host, then one webhook for our KYC events
        (the existing one for this URL is updated, never doubled: 409 [SPEC])."""
        host = urlsplit(url).hostname or ""
        credential = self.client.create_credential(
            host, settings.REBILLY_WEBHOOK_USERNAME, settings.REBILLY_WEBHOOK_PASSWORD
        )
        body = {
            "method": "POST",
            "url": url,
            "credentialHash": credential.id,
            "eventsFilter": list(words.EVENTS),
            "status": "active",
        }
        for hook in self.client.list_webhooks():
            if hook.url == url and hook.method.upper() == "POST":
                return self.client.update_webhook(hook.id, body).id
        return self.client.create_webhook(body).id

    @staticmethod
    def deploy_checks() -> list[CheckMessage]:
        return deploy_checks()

    @staticmethod
    def startup_checks() -> list[CheckMessage]:
        return startup_checks()


# --- bodies we send ------------------------------------------------------------------------------
def customer_body(verification: Verification) -> dict[str, Any]:
    """`primaryAddress` [SPEC ContactObject.yaml]: an ISO alpha-2 country (we keep alpha-3)
    and the date of birth as YYYY-MM-DD. Names go as typed: one longer than Rebilly takes
    (45) is refused on its field, never cut short on an identity check."""
    given = verification.given_name or verification.full_name.split(" ", 1)[0]
    family = verification.family_name or verification.full_name.rpartition(" ")[2]
    address: dict[str, Any] = {
        "firstName": given,
        "lastName": family,
        "emails": [{"label": "main", "value": verification.email, "primary": True}],
        "phoneNumbers": [{"label": "mobile", "value": verification.phone[:50], "primary": True}],
        "country": alpha_2(verification.residence_country or verification.nationality),
    }
    if verification.date_of_birth:
        address["dob"] = verification.date_of_birth.isoformat()
    return {"primaryAddress": address}


def requested_documents() -> list[dict[str, Any]]:
    """What the program needs [SPEC KycRequestDocument.yaml]: identity proof (with a selfie
    matching it when configured) and proof of address, each with its attempts."""
    attempts = settings.REBILLY_MAX_ATTEMPTS
    identity: dict[str, Any] = {"type": words.IDENTITY, "maxAttempts": attempts}
    if settings.REBILLY_REQUIRE_SELFIE:
        identity["faceProofRequired"] = True
    documents = [identity]
    if settings.REBILLY_CREDIT_FILE:  # checked first; a match waives the others [SPEC]
        documents.insert(0, {"type": words.CREDIT_FILE, "maxAttempts": 1})
    if settings.REBILLY_REQUIRE_ADDRESS_PROOF:
        documents.append({"type": words.ADDRESS, "maxAttempts": attempts})
    return documents


def request_body(customer_id: str, return_url: str) -> dict[str, Any]:
    expires = timezone.now() + timedelta(seconds=settings.REBILLY_REQUEST_TTL)
    return {
        "customerId": customer_id,
        "documents": requested_documents(),
        "redirectUrl": return_url,
        "reason": REQUEST_REASON,
        "expirationTime": expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# --- what Rebilly says, in core terms ----------------------------------------------------------
def snapshot_of(document: KycDocument, *, attempts_left: int | None) -> DocumentSnapshot:
    kind = words.DOCUMENT_TYPES.get(document.document_type, ProviderDocument.Type.OTHER)
    status = words.DOCUMENT_STATUSES.get(document.status, ProviderDocument.State.PENDING)
    subtype = document.document_subtype or ""
    label = words.label(kind, subtype)
    common: dict[str, Any] = {
        "provider_document_id": document.id,
        "type": kind,
        "status": status,
        "provider_status": document.status[:40],
        "subtype": subtype[:40],
        "label": label,
        "attempts_left": attempts_left,
        "revision": document.revision,
        "case_id": document.request_id or "",
        "reviewed_by_staff": bool(document.reviewer_id),
    }
    rejection = document.rejection_reason
    if status != ProviderDocument.State.REJECTED:
        return DocumentSnapshot(**common)
    rejection_type = rejection.type if rejection else "other"
    reason = words.document_reason(kind, rejection_type, document.failed_checks)
    return DocumentSnapshot(
        **common,
        reason=reason,
        provider_reason=rejection_type[:64],
        reason_text=((rejection.message if rejection else "") or "")[:255],
        user_text=words.refusal(label, rejection_type, reason)[:255],
    )


def _attempts_left(request: KycRequest, documents: list[KycDocument]) -> dict[str, int | None]:
    """Per requested type, the tries left: maxAttempts less the refused ones (None: 0, no
    limit [SPEC maxAttempts])."""
    left: dict[str, int | None] = {}
    for wanted in request.documents:
        if wanted.max_attempts == 0:
            left[wanted.type] = None
            continue
        refused = sum(
            1 for d in documents if d.document_type == wanted.type and d.status == "rejected"
        )
        left[wanted.type] = max(wanted.max_attempts - refused, 0)
    return left


def outcome_of(request: KycRequest, documents: list[KycDocument]) -> Outcome:
    """A KYC request in neutral terms (DESIGN-v2 §2.2): gathering waits for the applicant,
    a review in progress is PROCESSING, fulfilled is VERIFIED, and the permanent failures
    are FAILED (expired and abandoned ones can be started again)."""
    left = _attempts_left(request, documents)
    snapshots = tuple(
        snapshot_of(document, attempts_left=left.get(document.document_type))
        for document in sorted(documents, key=lambda d: (d.created_time or _EPOCH, d.id))
    )
    status = request.status
    undecided = any(s.status in words.UNDECIDED for s in snapshots)
    if status not in words.PERMANENT and _past(request.expiration_time) and not undecided:
        # Rebilly sends nothing when a request expires: past its time, with nothing left
        # for a reviewer, it is taken as expired even before Rebilly's status says so.
        status = "abandoned" if documents else "expired"
    common: dict[str, Any] = {
        "provider_status": request.status[:64],
        "documents": snapshots,
        "revision": request.revision,
        "provider_case_id": request.id,
    }
    if status == "fulfilled":
        return Outcome(status=Status.VERIFIED, **common)
    if status in words.PERMANENT_FAILURES:
        return _failed(status, snapshots, common)
    latest = _latest_per_type(snapshots)
    final = [
        s for s in latest if s.status == "rejected" and s.provider_reason in words.FINAL_REFUSALS
    ]
    if final:
        # Refused for what a new upload cannot change (age, tampering, someone else's
        # document): our team takes over, whatever attempts Rebilly would still allow.
        said = final[-1].provider_reason
        reason = FailureReason.UNDERAGE if said == "underage-person" else FailureReason.OTHER
        return Outcome(status=Status.FAILED, reason=reason, provider_reason=said, **common)
    gatherer = request.link(*GATHERER_RELS)
    if status in words.GATHERING | words.ATTEMPTED and not undecided:
        refused = any(s.status == "rejected" and s.type in words.UPLOADED for s in latest)
        action = Action(
            kind="reupload" if refused else "hosted",
            url=gatherer,
            expires_at=request.expiration_time,
        )
        return Outcome(status=Status.ACTION_REQUIRED, action=action, **common)
    if status not in words.REQUEST_STATUSES:
        logger.warning("unknown KYC request status %r: taken as being checked", status[:40])
    return Outcome(status=Status.PROCESSING, **common)


def _latest_per_type(snapshots: tuple[DocumentSnapshot, ...]) -> list[DocumentSnapshot]:
    """Each document type's newest document (snapshots come oldest first)."""
    latest: dict[str, DocumentSnapshot] = {}
    for snapshot in snapshots:
        if snapshot.status != "superseded":
            latest[snapshot.type] = snapshot
    return list(latest.values())


def _failed(
    status: str, snapshots: tuple[DocumentSnapshot, ...], common: dict[str, Any]
) -> Outcome:
    reason = words.PERMANENT_FAILURES[status]
    refused = [s for s in snapshots if s.status == ProviderDocument.State.REJECTED]
    if status == "failed" and any(s.reason == FailureReason.UNDERAGE for s in refused):
        reason = FailureReason.UNDERAGE
    provider_reason = refused[-1].provider_reason if refused and status == "failed" else status
    return Outcome(status=Status.FAILED, reason=reason, provider_reason=provider_reason, **common)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _past(moment: datetime | None) -> bool:
    return moment is not None and moment + EXPIRY_SLACK < timezone.now()


def _is_open(request: KycRequest) -> bool:
    """Still taking documents: not permanent, and not clearly past its expiry."""
    return request.status not in words.PERMANENT and not _past(request.expiration_time)


def gatherer_allowed(url: str) -> bool:
    """The link we send the applicant to is Rebilly's gatherer (REBILLY_GATHERER_HOSTS, and
    in the sandbox the API's own host, where the emulator serves it); https outside the
    sandbox. The link comes in a provider's answer: it is never followed blindly."""
    parts = urlsplit(url)
    hosts = set(settings.REBILLY_GATHERER_HOSTS)
    if settings.REBILLY_SANDBOX:
        hosts.add(urlsplit(settings.REBILLY_BASE_URL).hostname or "")
    secure = parts.scheme == "https" or (settings.REBILLY_SANDBOX and parts.scheme == "http")
    return secure and (parts.hostname or "") in hosts


def _customer_id(verification: Verification) -> str:
    if not verification.provider_customer_id:
        raise ValueError("the customer does not exist at the provider yet")
    return verification.provider_customer_id
