"""What the core needs from a provider, in the core's own terms.

Each provider package (kyc/providers/<name>/) implements `Provider` and declares its
`Capabilities`; the core, the journey, the admin and the tasks read those, never a
provider's name. Everything crossing this line is neutral: statuses are
kyc.models.Status values, reasons kyc.models.FailureReason values, and the provider's
own words travel beside them (provider_status, provider_reason) for staff.

Optional parts are protocols of their own (hosted collection, challenge questions,
client override, staff document review, banking): a provider implements the ones its
capabilities declare, and the core calls them only when they are declared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from django import forms
    from django.core.checks import CheckMessage
    from django.utils.functional import _StrOrPromise as StrOrPromise

    from kyc.models import BankAccount, ProviderDocument, Submission, Verification
    from kyc.providers.errors import PermanentProviderError

Collection = Literal["in_app", "hosted"]
CustomerCreate = Literal["before_kyc", "with_kyc"]
DocumentTransport = Literal["url", "inline", "none"]
Corrections = Literal["targeted", "resubmit", "new_request", "none"]


@dataclass(frozen=True)
class Capabilities:
    """What a provider does; every branch of the core on a provider reads one of these."""

    # Who collects the KYC data and documents: our pages (in_app), or the provider's (hosted).
    collection: Collection
    # The customer is created at the profile step (before_kyc), or by the first submission.
    customer_create: CustomerCreate
    # How documents reach the provider: short-lived URLs, the bytes inline, or not at all.
    document_transport: DocumentTransport
    # The files we collect (kyc.models.Document.Kind values), in the order the journey asks.
    document_kinds: tuple[str, ...]
    # The provider reviews documents one by one and reports each (ProviderDocument rows).
    per_document_review: bool
    # How a failure is corrected: targeted updates, a new submission, a new hosted request.
    corrections: Corrections
    # What a correction can fix (kyc.models.FixKind values); anything else goes to our team.
    fixes: frozenset[str]
    # Corrections the core allows per applicant; None: unlimited, or the provider enforces it.
    correction_limit: int | None
    challenge_questions: bool
    # Staff may attest a verification we did ourselves (ClientOverrideProvider).
    client_override: bool
    # The provider can reset a customer's KYC, so that it is submitted afresh.
    reset: bool
    # What force_outcome accepts; empty where the provider has none or its sandbox flag is off.
    sandbox_outcomes: tuple[str, ...]
    # Staff can accept or reject one document at the provider (DocumentReviewProvider).
    staff_document_review: bool
    # Bank accounts are verified through the provider (BankingProvider).
    banking: bool
    # How webhooks prove where they come from, in words for staff (e.g. "HMAC signature").
    webhook_auth: str
    # Neutral statuses no webhook reports: only polling finds them changed.
    status_needs_polling: frozenset[str] = frozenset()
    # Profile fields beyond the common ones that the provider needs at the profile step.
    profile_needs: frozenset[str] = frozenset()
    # Seconds without news before a verification is polled (None: KYC_POLL_AFTER).
    poll_after: int | None = None
    # Sending a submission again is safe (idempotency keys, a lookup by our reference): a
    # retry sends it again instead of asking whether the last attempt got through.
    idempotent_submit: bool = False


# The profile fields a provider may ask for on top of name, email, phone and countries.
PROFILE_SPLIT_NAME = "split_name"  # given and family name apart
PROFILE_DATE_OF_BIRTH = "date_of_birth"  # the customer is created with it


@dataclass(frozen=True)
class Words:
    """The provider's own words the journey and emails use (already translated)."""

    tax_id: StrOrPromise = ""  # the tax number's name, e.g. "PAN"
    bank_kinds: StrOrPromise = ""  # what can be added once verified, e.g. "a bank account"
    decision_time: StrOrPromise = ""  # how long a decision usually takes
    # The identity documents it takes, in a phrase (e.g. "an Aadhaar card or a passport").
    id_documents: StrOrPromise = ""


# --- documents --------------------------------------------------------------------------------
class DocumentUnavailable(Exception):
    """A document the submission refers to is missing, refused, or too large to send."""


class DocumentSource(Protocol):
    """The documents of one submission; the adapter takes them the way it sends them."""

    @property
    def kinds(self) -> frozenset[str]: ...

    def url(self, kind: str, *, expiry: int | None = None) -> str:
        """A short-lived URL the provider fetches the file from."""
        ...

    def read(self, kind: str, *, max_bytes: int) -> tuple[bytes, str]:
        """(content, content type); raises DocumentUnavailable above max_bytes."""
        ...


# --- what the provider tells us ---------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    """What the applicant must do next while the status is ACTION_REQUIRED."""

    kind: Literal["hosted", "challenge", "reupload"]
    url: str = ""
    expires_at: datetime | None = None
    questions: tuple[Question, ...] = ()  # the prompts and options only, never the answers


@dataclass(frozen=True)
class DocumentSnapshot:
    """One document as the provider reviewed it (per_document_review)."""

    provider_document_id: str
    type: str  # kyc.models.ProviderDocument.Type
    status: str  # kyc.models.ProviderDocument.State
    reason: str = ""  # neutral FailureReason, when refused
    provider_status: str = ""
    provider_reason: str = ""
    reason_text: str = ""  # the provider's message, for staff
    label: str = ""  # how the applicant sees it named, e.g. "Passport"
    user_text: str = ""  # when refused: why, in plain words for the applicant
    subtype: str = ""
    attempts_left: int | None = None  # tries left for this type of document (None: no limit)
    revision: int | None = None  # orders what the provider reports of this document
    case_id: str = ""
    reviewed_by_staff: bool = False


@dataclass(frozen=True)
class Outcome:
    """Where a verification stands at the provider, in neutral terms."""

    status: str  # kyc.models.Status
    reason: str = ""  # kyc.models.FailureReason, when FAILED
    provider_status: str = ""
    provider_reason: str = ""
    action: Action | None = None
    documents: tuple[DocumentSnapshot, ...] = ()
    provider_customer_id: str | None = None  # set by a with_kyc provider's first submission
    # The provider's case this is about (a hosted KYC request): `revision` counts within it.
    provider_case_id: str | None = None
    revision: int | None = None  # orders what the provider reports; newer wins
    observed_at: datetime | None = None


@dataclass(frozen=True)
class BankSnapshot:
    provider_bank_id: str
    status: str  # PROCESSING, VERIFIED or FAILED
    failure_reason: str = ""


@dataclass(frozen=True)
class Attestation:
    """Our own verification of a person, recorded at the provider by staff."""

    verified_at: datetime
    level: str
    verifier: str
    reference: str


# --- the KYC form ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdditionalField:
    name: str
    type: str  # "string", "url", or anything else (shown as text)
    required: bool
    label: str = ""  # the provider's words for it; empty: the name, humanised
    # What the provider's configuration does not say, from its package: a hint under the
    # field, and values the field suggests as (value sent, how it reads) while still
    # taking any text.
    hint: StrOrPromise = ""
    suggestions: tuple[tuple[str, StrOrPromise], ...] = ()


@dataclass(frozen=True)
class TaxId:
    """The tax number the KYC form asks for, as the provider wants it."""

    label: StrOrPromise
    field: Callable[[], forms.Field]  # a form field that validates it


@dataclass(frozen=True)
class FormSpec:
    """The KYC form the provider wants for one customer."""

    document_types: list[str]
    additional_fields: list[AdditionalField] = field(default_factory=list)
    rule: str = "allOf"  # allOf or anyOf
    min_required: int = 0
    # How the provider names its document types (value -> label); others are humanised.
    document_labels: Mapping[str, StrOrPromise] = field(default_factory=dict)
    # The document number's help text, and a check per document type: (pattern, message).
    document_number_help: StrOrPromise = ""
    document_number_rules: Mapping[str, tuple[str, StrOrPromise]] = field(default_factory=dict)
    tax_id: TaxId | None = None


@dataclass(frozen=True)
class CorrectionPart:
    """What a correction of one FixKind sends: data fields and document kinds."""

    # Each entry a field name, or alternatives of which the first stored one is sent.
    fields: tuple[str | tuple[str, ...], ...] = ()
    documents: tuple[str, ...] = ()


# --- webhooks ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProviderEvent:
    """One thing a webhook delivery reports, in core terms."""

    # verification, bank, or ignored (kept, not applied, with `note` saying why)
    subject: Literal["verification", "bank", "ignored"]
    entity_id: str  # the provider's id of what it is about (its customer, its bank account)
    raw_type: str
    raw_event: str
    # verification: the status reported (its documents too, for per-document review);
    # None means the delivery only says something changed: processing asks current().
    outcome: Outcome | None = None
    bank: BankSnapshot | None = None  # bank: the account's status
    occurred_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class Delivery:
    """A webhook delivery read: its dedupe key (one row applies it) and what it reports."""

    dedupe_key: str
    events: tuple[ProviderEvent, ...]

    @property
    def first(self) -> ProviderEvent:
        return self.events[0]


# --- the provider -----------------------------------------------------------------------------
class Provider(Protocol):
    name: str
    label: str  # how staff and users see it named

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def words(self) -> Words: ...

    @property
    def tax_id(self) -> TaxId | None:
        """The tax number the KYC form asks for (None: the provider asks for none)."""
        ...

    # The profile step: the customer at the provider (customer_create == "before_kyc").
    def create_customer(self, verification: Verification) -> str: ...
    def find_customer(self, client_reference_id: str) -> str | None: ...
    def profile_errors(self, error: PermanentProviderError) -> dict[str, list[str]]: ...
    def user_message(self, text: str) -> str:
        """A refusal text of the provider in the user's words (or as it came)."""
        ...

    def refused_fields(self, text: str) -> Mapping[str, str]:
        """Which of the KYC form's fields a refused submission is about, each with what to
        check, in the user's words ({} when the refusal names no field)."""
        ...

    # The KYC form: fetched (DollarPe's /kyc/configuration) or static; cached by the core.
    def fetch_form_spec(self, verification: Verification) -> dict[str, Any]: ...
    def parse_form_spec(self, raw: Mapping[str, Any]) -> FormSpec: ...
    def correction_parts(self) -> Mapping[str, CorrectionPart]:
        """Per FixKind, the part of the stored data a correction sends again."""
        ...

    # Submissions and their status.
    def submit(self, submission: Submission, documents: DocumentSource) -> Outcome: ...
    def current(self, verification: Verification) -> Outcome:
        """The status now: polling, a staff refresh, and "did it go through?" all ask this."""
        ...

    def reset(self, verification: Verification) -> Outcome: ...
    def force_outcome(self, verification: Verification, outcome: str) -> Outcome: ...

    # Webhooks: authenticated once, at intake (with headers never stored, such as
    # Authorization); parsed at intake and again at processing, from what was stored.
    def authenticate_webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None
    ) -> None:
        """Raises kyc.providers.errors.InvalidWebhookError when the delivery is refused."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        """Raises InvalidWebhookError (400) when it cannot be read."""
        ...

    # Header names of an authentic delivery that staff must not read whole in the admin.
    webhook_secret_headers: frozenset[str]
    # Header names carrying a credential (a shared secret, say): checked at intake, never
    # stored (Authorization, Proxy-Authorization and Cookie never are, for any provider).
    webhook_credential_headers: frozenset[str]

    def register_webhook(self, url: str) -> str: ...
    def deploy_checks(self) -> list[CheckMessage]:
        """`manage.py check --deploy` findings about the provider's own settings."""
        ...

    def startup_checks(self) -> list[CheckMessage]:
        """Findings that stop every process with DJANGO_DEBUG off (sample credentials)."""
        ...


@runtime_checkable
class HostedProvider(Protocol):
    """collection == "hosted": the provider's own pages collect the data and documents."""

    def start_hosted(
        self, verification: Verification, *, return_url: str, start_new: bool = True
    ) -> Outcome:
        """The current case while it is open (or decided), else, when `start_new`, a new one."""
        ...

    def returned(self, verification: Verification, query: Mapping[str, str]) -> Outcome: ...


@runtime_checkable
class ChallengeProvider(Protocol):
    """challenge_questions: questions the applicant answers (Outcome.action.questions)."""

    def answer_challenge(
        self, verification: Verification, answers: Mapping[str, str]
    ) -> Outcome: ...


@runtime_checkable
class ClientOverrideProvider(Protocol):
    def client_override(self, verification: Verification, attestation: Attestation) -> Outcome: ...


@runtime_checkable
class DocumentReviewProvider(Protocol):
    def review_document(
        self,
        verification: Verification,
        document_id: str,
        *,
        accept: bool,
        reason: str,
        message: str,
    ) -> DocumentSnapshot:
        """Accept one document, or refuse it with one of rejection_choices() and a message."""
        ...

    def rejection_choices(self) -> list[tuple[str, str]]:
        """(the provider's reason code, its label for staff) a refusal may give."""
        ...

    def document_words(self, document: ProviderDocument) -> tuple[str, str]:
        """The document's name and, when refused, why, in the active language: worded from
        the codes stored, so an applicant reads them in their language, not the worker's."""
        ...


@runtime_checkable
class BankingProvider(Protocol):
    """banking: bank accounts verified through the provider."""

    def add_bank_account(self, bank: BankAccount) -> BankSnapshot: ...
    def find_bank_account(self, bank: BankAccount) -> BankSnapshot | None: ...
    def bank_status(self, bank: BankAccount) -> BankSnapshot: ...
    def bank_form(self, data: Any = None) -> forms.Form:
        """The form the user adds an account with (its fields and checks are the provider's)."""
        ...

    def bank_reason_text(self, failure_reason: str) -> str:
        """Why an account failed, in the user's words ("" when unknown)."""
        ...
