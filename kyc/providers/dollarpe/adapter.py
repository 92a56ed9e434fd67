"""DollarPe behind the core's `Provider` interface: core objects in, neutral outcomes out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import pycountry
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from kyc.models import Document, Status, Submission
from kyc.providers.base import CallObserver
from kyc.providers.dollarpe import types as t
from kyc.providers.dollarpe import vocabulary as words
from kyc.providers.dollarpe.checks import deploy_checks, startup_checks
from kyc.providers.dollarpe.client import DollarPeClient
from kyc.providers.dollarpe.forms import BankForm, PanField
from kyc.providers.dollarpe.webhooks import check_signature, read_webhook
from kyc.providers.errors import InvalidResponseError, PermanentProviderError
from kyc.providers.interface import (
    AdditionalField,
    BankSnapshot,
    Capabilities,
    CorrectionPart,
    Delivery,
    DocumentSource,
    FormSpec,
    Outcome,
    ProviderEvent,
    TaxId,
    Words,
)

if TYPE_CHECKING:
    from django import forms
    from django.core.checks import CheckMessage

    from kyc.models import BankAccount, Verification

# DollarPe's field names in customer/create errors, as our profile form names them.
PROFILE_FIELDS = {
    "full_name": "full_name",
    "email": "email",
    "phone": "phone",
    "alpha_3_country_code": "nationality",
    "residence_alpha_3_country_code": "residence_country",
    "non_residence_status": "non_resident",
}
# Pages searched when finding a customer or account whose create answer was lost.
LIST_PAGES_SEARCHED = 50
R = TypeVar("R")


def _dmy(iso: str | date) -> str:
    value = iso if isinstance(iso, date) else date.fromisoformat(iso)
    return value.strftime(t.DATE_FORMAT)


class DollarPeProvider:
    name = "dollarpe"
    label = "DollarPe"
    webhook_secret_headers = frozenset({"x-api-key", "x-signature"})
    # Its signature is an HMAC of one body within 300 s: no credential to keep out of storage.
    webhook_credential_headers: frozenset[str] = frozenset()

    def __init__(self, *, observers: Sequence[CallObserver] = ()) -> None:
        self._observers = observers

    @cached_property
    def client(self) -> DollarPeClient:
        # Built on first use: reading a webhook (the intake's hot path) needs no HTTP client.
        return DollarPeClient.from_settings(observers=self._observers)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            collection="in_app",
            customer_create="before_kyc",
            document_transport="url",
            document_kinds=(Document.Kind.FRONT, Document.Kind.BACK, Document.Kind.SELFIE),
            per_document_review=False,
            corrections="targeted",
            fixes=frozenset(words.CORRECTIONS),
            correction_limit=words.UPDATE_LIMIT,
            challenge_questions=False,
            client_override=False,
            reset=True,
            # DollarPe's own sandbox flag: mock-kyc-status does not exist in production.
            sandbox_outcomes=words.FORCE_OUTCOMES if settings.DOLLARPE_SANDBOX else (),
            staff_document_review=False,
            banking=True,
            webhook_auth=str(_("HMAC signature with a timestamp (X-SIGNATURE, X-TIMESTAMP)")),
        )

    @property
    def words(self) -> Words:
        return words.WORDS

    @property
    def tax_id(self) -> TaxId:
        return TaxId(label=words.WORDS.tax_id, field=PanField)

    # --- customers ---------------------------------------------------------------------------
    def create_customer(self, verification: Verification) -> str:
        request = t.NewCustomer(
            full_name=verification.full_name,
            email=verification.email,
            phone=verification.phone,
            alpha_3_country_code=verification.nationality,
            client_reference_id=verification.client_reference_id,
            non_residence_status=verification.non_resident,
            residence_alpha_3_country_code=verification.residence_country or None,
        )
        return self.client.create_customer(request).id

    def find_customer(self, client_reference_id: str) -> str | None:
        """The customer created under our reference (when the create answer was lost)."""
        found = _first_listed(
            self.client.list_customers, lambda c: c.client_reference_id == client_reference_id
        )
        return None if found is None else found.id

    @staticmethod
    def profile_errors(error: PermanentProviderError) -> dict[str, list[str]]:
        """The provider's refusal as errors on our profile form's fields."""
        errors: dict[str, list[str]] = {}
        # Every field's own texts first: one answer may refuse the email and the phone at once.
        for name, texts in error.field_errors.items():
            errors.setdefault(PROFILE_FIELDS.get(name, "__all__"), []).extend(texts)
        if not errors and error.field in PROFILE_FIELDS:
            errors[PROFILE_FIELDS[error.field]] = [error.message.split(": ", 1)[-1]]
        return errors or {"__all__": [error.message]}

    @staticmethod
    def user_message(text: str) -> str:
        return words.user_message(text)

    @staticmethod
    def refused_fields(text: str) -> Mapping[str, str]:
        return words.refused_fields(text)

    @staticmethod
    def in_use_kinds(text: str) -> frozenset[str]:
        """Which identity numbers a refusal says another customer holds (duplicates)."""
        return words.in_use_kinds(text)

    def current(self, verification: Verification) -> Outcome:
        customer = self.client.get_customer(_customer_id(verification))
        return words.outcome(customer.status, customer.failure_reason)

    # --- KYC ---------------------------------------------------------------------------------
    def fetch_form_spec(self, verification: Verification) -> dict[str, Any]:
        config = self.client.kyc_configuration(_customer_id(verification))
        return config.model_dump(mode="json")

    def parse_form_spec(self, raw: Mapping[str, Any]) -> FormSpec:
        try:
            config = t.KycConfiguration.model_validate(raw)
        except ValidationError:
            raise InvalidResponseError("the stored KYC configuration is malformed") from None
        common: dict[str, Any] = {
            "document_types": list(config.supported_document_types),
            "document_labels": words.DOCUMENT_LABELS,
            "document_number_help": words.DOCUMENT_NUMBER_HELP,
            "document_number_rules": words.DOCUMENT_NUMBER_RULES,
            "tax_id": self.tax_id,
        }
        extra = config.additional_info_required
        if extra is None:
            return FormSpec(**common)
        fields = [
            AdditionalField(
                name,
                spec.type,
                spec.required,
                str(words.INFO_LABELS.get(name, "")),
                hint=words.INFO_HINTS.get(name, ""),
                suggestions=words.INFO_SUGGESTIONS.get(name, ()),
            )
            for name in extra.options
            for spec in [extra.fields.get(name, t.AdditionalInfoField())]
        ]
        return FormSpec(
            **common,
            additional_fields=fields,
            rule=extra.rules.type,
            min_required=extra.rules.min_required,
        )

    @staticmethod
    def correction_parts() -> Mapping[str, CorrectionPart]:
        return words.CORRECTIONS

    def submit(self, submission: Submission, documents: DocumentSource) -> Outcome:
        answer = self._send(submission, submission.data, documents)
        # Update answers say UNVERIFIED in some examples: an accepted update is being checked.
        status = Status.PROCESSING if answer.status == Status.UNVERIFIED else answer.status
        return words.outcome(status, answer.failure_reason)

    def _send(
        self, submission: Submission, data: Mapping[str, Any], documents: DocumentSource
    ) -> t.KycStatus:
        customer_id = _customer_id(submission.verification)
        kind = submission.kind
        if kind == Submission.Kind.INITIAL:
            return self.client.add_kyc_data(_kyc_data(customer_id, submission, data, documents))
        if kind == Submission.Kind.DOCUMENT:
            return self.client.update_document_info(_document_update(customer_id, data, documents))
        if kind == Submission.Kind.TAX:
            return self.client.update_tax_info(customer_id, data["tax_number"])
        if kind == Submission.Kind.SELFIE:
            return self.client.update_selfie_info(customer_id, documents.url(Document.Kind.SELFIE))
        return self.client.update_additional_info(customer_id, dict(data["additional_info"]))

    def reset(self, verification: Verification) -> Outcome:
        return words.outcome(self.client.reset_kyc(_customer_id(verification)).status)

    def force_outcome(self, verification: Verification, outcome: str) -> Outcome:
        answer = self.client.mock_kyc_status(_customer_id(verification), outcome)
        return words.outcome(answer.status, answer.failure_reason)

    # --- bank accounts (BankingProvider) -----------------------------------------------------
    def add_bank_account(self, bank: BankAccount) -> BankSnapshot:
        verification = bank.verification
        request = t.NewBankAccount(
            customer_id=_customer_id(verification),
            account_number=bank.account_number or None,
            ifsc=bank.ifsc or None,
            vpa=bank.vpa or None,
            account_name=verification.full_name if bank.kind == "account" else None,
        )
        answer = self.client.create_bank_account(request)
        return BankSnapshot(answer.id, answer.bank_account_status, answer.failure_reason or "")

    def find_bank_account(self, bank: BankAccount) -> BankSnapshot | None:
        """Our customer's account with the same number or VPA (an earlier attempt's)."""
        customer_id = _customer_id(bank.verification)
        answer = _first_listed(
            lambda page: self.client.list_bank_accounts(customer_id, page),
            lambda a: bool(
                (bank.vpa and a.vpa == bank.vpa)
                or (bank.account_number and a.account_number == bank.account_number)
            ),
        )
        if answer is None:
            return None
        return BankSnapshot(answer.id, answer.bank_account_status, answer.failure_reason or "")

    def bank_status(self, bank: BankAccount) -> BankSnapshot:
        assert bank.provider_bank_id is not None
        answer = self.client.get_bank_account(
            _customer_id(bank.verification), bank.provider_bank_id
        )
        return BankSnapshot(answer.id, answer.bank_account_status, answer.failure_reason or "")

    @staticmethod
    def bank_form(data: Any = None) -> forms.Form:
        return BankForm(data)

    @staticmethod
    def bank_reason_text(failure_reason: str) -> str:
        text = words.BANK_REASONS.get(failure_reason)
        return str(text) if text else ""

    # --- webhooks ----------------------------------------------------------------------------
    def authenticate_webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None
    ) -> None:
        check_signature(
            headers=headers,
            body=body,
            api_key=settings.DOLLARPE_API_KEY,
            api_secret=settings.DOLLARPE_API_SECRET,
            tolerance=settings.DOLLARPE_WEBHOOK_TOLERANCE,
        )

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        event = read_webhook(body)
        occurred = event.timestamp.isoformat()
        return Delivery(
            dedupe_key=f"{event.type}:{event.id}:{event.event}:{occurred}"[:255],
            events=(_event(event),),
        )

    def register_webhook(self, url: str) -> str:
        return self.client.register_webhook(url)

    @staticmethod
    def deploy_checks() -> list[CheckMessage]:
        return deploy_checks()

    @staticmethod
    def startup_checks() -> list[CheckMessage]:
        return startup_checks()


def _event(event: Any) -> ProviderEvent:
    """A DollarPe envelope {type, id, event, timestamp, metadata} as one core event."""
    common = {
        "entity_id": event.id,
        "raw_type": event.type,
        "raw_event": event.event,
        "occurred_at": event.timestamp,
    }
    if event.type == "CUSTOMER":
        if event.event not in words.STATUSES:
            return ProviderEvent("ignored", note=f"unknown status {event.event[:50]!r}", **common)
        outcome = words.outcome(event.event, event.failure_reason)
        return ProviderEvent("verification", outcome=outcome, **common)
    if event.type == "BANK":
        bank = BankSnapshot(event.id, event.event, event.failure_reason or "")
        return ProviderEvent("bank", bank=bank, **common)
    return ProviderEvent("ignored", note=f"{event.type} events are not used", **common)


def _first_listed(fetch: Callable[[int], t.Page[R]], matches: Callable[[R], bool]) -> R | None:
    """The first listed item that matches, searching at most LIST_PAGES_SEARCHED pages."""
    for page_number in range(1, LIST_PAGES_SEARCHED + 1):
        page = fetch(page_number)
        found = next((item for item in page.results if matches(item)), None)
        if found is not None or not page.next:
            return found
    return None


def _customer_id(verification: Verification) -> str:
    if not verification.provider_customer_id:
        raise ValueError("the customer does not exist at the provider yet")
    return verification.provider_customer_id


def one_line_address(data: Mapping[str, Any]) -> str:
    """DollarPe's `full_address`: the structured address on one line (older submissions
    stored that line itself)."""
    address = data.get("address")
    if not isinstance(address, Mapping):
        return str(data["full_address"])
    country = pycountry.countries.get(alpha_3=str(address.get("country", "")))
    country_name = (getattr(country, "common_name", None) or country.name) if country else ""
    place = " ".join(
        str(part)
        for part in (address.get("city"), address.get("region"), address.get("postal_code"))
        if part
    )
    parts = [address.get("line1"), address.get("line2"), place, country_name]
    return ", ".join(" ".join(str(part).split()) for part in parts if part)


def _kyc_data(
    customer_id: str, submission: Submission, data: Mapping[str, Any], documents: DocumentSource
) -> t.KycData:
    return t.KycData(
        customer_id=customer_id,
        full_name=data["full_name"],
        phone=data["phone"],
        full_address=one_line_address(data),
        dob=_dmy(data["dob"]),
        registered_date=_dmy(submission.verification.user.date_joined.date()),
        tax_number=data["tax_number"],
        document_type=data["document_type"],
        document_front_image_url=documents.url(Document.Kind.FRONT),
        document_back_image_url=documents.url(Document.Kind.BACK),
        document_details=t.DocumentDetails(document_number=data["document_number"]),
        selfie_url=documents.url(Document.Kind.SELFIE),
        selfie_verification_status=bool(data.get("selfie_verification_status", True)),
        additional_info=data.get("additional_info") or None,
    )


def _document_update(
    customer_id: str, data: Mapping[str, Any], documents: DocumentSource
) -> t.DocumentUpdate:
    return t.DocumentUpdate(
        customer_id=customer_id,
        full_address=one_line_address(data),
        document_type=data["document_type"],
        document_front_image_url=documents.url(Document.Kind.FRONT),
        document_back_image_url=documents.url(Document.Kind.BACK),
        document_details=t.DocumentDetails(document_number=data["document_number"]),
        phone=data["phone"],
    )
