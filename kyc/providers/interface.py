"""What the core needs from a provider, in the core's own terms.

Each provider package implements `Provider`; the core never sees a provider's
request or response shapes, so DollarPe's style (URLs, PATCH updates, one webhook
per status) does not leak into the models or services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kyc.models import BankAccount, FixKind, Submission, Verification
    from kyc.providers.errors import PermanentProviderError


@dataclass(frozen=True)
class StatusSnapshot:
    status: str  # one of kyc.models.Status
    failure_reason: str = ""


@dataclass(frozen=True)
class BankSnapshot:
    provider_bank_id: str
    status: str  # PROCESSING, VERIFIED or FAILED
    failure_reason: str = ""


@dataclass(frozen=True)
class AdditionalField:
    name: str
    type: str  # "string", "url", or anything else (shown as text)
    required: bool


@dataclass(frozen=True)
class FormSpec:
    """The KYC form the provider wants for one customer."""

    document_types: list[str]
    additional_fields: list[AdditionalField] = field(default_factory=list)
    rule: str = "allOf"  # allOf or anyOf
    min_required: int = 0


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook delivery, in core terms."""

    kind: str  # "customer", "bank" or anything else (kept, not applied)
    entity_id: str
    status: str
    failure_reason: str
    occurred_at: datetime
    dedupe_key: str
    raw_type: str
    raw_event: str


class Provider(Protocol):
    name: str

    def create_customer(self, verification: Verification) -> str: ...
    def fetch_form_spec(self, verification: Verification) -> dict[str, Any]: ...
    def parse_form_spec(self, raw: Mapping[str, Any]) -> FormSpec: ...
    def submit(
        self, submission: Submission, document_urls: Mapping[str, str]
    ) -> StatusSnapshot: ...
    def find_customer(self, client_reference_id: str) -> str | None: ...
    def profile_errors(self, error: PermanentProviderError) -> dict[str, list[str]]: ...
    def customer_status(self, verification: Verification) -> StatusSnapshot: ...
    def fix_kind(self, failure_reason: str) -> FixKind: ...
    def reset(self, verification: Verification) -> StatusSnapshot: ...
    def force_outcome(self, verification: Verification, outcome: str) -> StatusSnapshot: ...
    def add_bank_account(self, bank: BankAccount) -> BankSnapshot: ...
    def find_bank_account(self, bank: BankAccount) -> BankSnapshot | None: ...
    def bank_status(self, bank: BankAccount) -> BankSnapshot: ...
    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, received_at: datetime | None = None
    ) -> ProviderEvent:
        """Verify and read a delivery; `received_at` judges the timestamp of a stored one.

        Raises kyc.providers.errors.InvalidWebhookError (or a subclass) when it is refused.
        """
        ...
