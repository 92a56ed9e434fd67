"""DollarPe behind the core's `Provider` interface: core objects in, core snapshots out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from pydantic import ValidationError

from kyc.providers.base import CallObserver
from kyc.providers.dollarpe import types as t
from kyc.providers.dollarpe.client import DollarPeClient
from kyc.providers.dollarpe.webhooks import verify_webhook
from kyc.providers.errors import InvalidResponseError, PermanentProviderError
from kyc.providers.interface import (
    AdditionalField,
    BankSnapshot,
    FormSpec,
    ProviderEvent,
    StatusSnapshot,
)

if TYPE_CHECKING:
    from kyc.models import BankAccount, FixKind, Submission, Verification

# DollarPe's field names in customer/create errors, as our profile form names them.
PROFILE_FIELDS = {
    "full_name": "full_name",
    "email": "email",
    "phone": "phone",
    "alpha_3_country_code": "nationality",
    "residence_alpha_3_country_code": "residence_country",
    "non_residence_status": "non_resident",
}
FIX_KINDS = {
    "TAX_VERIFICATION_FAILED": "tax",
    "DOCUMENT_VERIFICATION_FAILED": "document",
    "SELFIE_VERIFICATION_FAILED": "selfie",
}
# Pages searched when finding a customer or account whose create answer was lost.
LIST_PAGES_SEARCHED = 50
R = TypeVar("R")


def _dmy(iso: str | date) -> str:
    value = iso if isinstance(iso, date) else date.fromisoformat(iso)
    return value.strftime(t.DATE_FORMAT)


class DollarPeProvider:
    name = "dollarpe"

    def __init__(self, *, observers: Sequence[CallObserver] = ()) -> None:
        self._observers = observers

    @cached_property
    def client(self) -> DollarPeClient:
        # Built on first use: reading a webhook (the intake's hot path) needs no HTTP client.
        return DollarPeClient.from_settings(observers=self._observers)

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

    def customer_status(self, verification: Verification) -> StatusSnapshot:
        customer = self.client.get_customer(_customer_id(verification))
        return StatusSnapshot(customer.status, customer.failure_reason or "")

    # --- KYC ---------------------------------------------------------------------------------
    def fetch_form_spec(self, verification: Verification) -> dict[str, Any]:
        config = self.client.kyc_configuration(_customer_id(verification))
        return config.model_dump(mode="json")

    def parse_form_spec(self, raw: Mapping[str, Any]) -> FormSpec:
        try:
            config = t.KycConfiguration.model_validate(raw)
        except ValidationError:
            raise InvalidResponseError("the stored KYC configuration is malformed") from None
        extra = config.additional_info_required
        if extra is None:
            return FormSpec(document_types=list(config.supported_document_types))
        fields = [
            AdditionalField(name, spec.type, spec.required)
            for name in extra.options
            for spec in [extra.fields.get(name, t.AdditionalInfoField())]
        ]
        return FormSpec(
            document_types=list(config.supported_document_types),
            additional_fields=fields,
            rule=extra.rules.type,
            min_required=extra.rules.min_required,
        )

    def submit(self, submission: Submission, document_urls: Mapping[str, str]) -> StatusSnapshot:
        answer = self._send(submission, submission.data, document_urls)
        # Update answers say UNVERIFIED in some examples: an accepted update is being checked.
        status = "PROCESSING" if answer.status == "UNVERIFIED" else answer.status
        return StatusSnapshot(status, answer.failure_reason or "")

    def _send(
        self, submission: Submission, data: Mapping[str, Any], urls: Mapping[str, str]
    ) -> t.KycStatus:
        customer_id = _customer_id(submission.verification)
        kind = submission.kind
        if kind == "initial":
            return self.client.add_kyc_data(_kyc_data(customer_id, submission, data, urls))
        if kind == "document":
            return self.client.update_document_info(_document_update(customer_id, data, urls))
        if kind == "tax":
            return self.client.update_tax_info(customer_id, data["tax_number"])
        if kind == "selfie":
            return self.client.update_selfie_info(customer_id, urls["selfie"])
        return self.client.update_additional_info(customer_id, dict(data["additional_info"]))

    def fix_kind(self, failure_reason: str) -> FixKind:
        from kyc.models import FixKind

        if failure_reason in FIX_KINDS:
            return FixKind(FIX_KINDS[failure_reason])
        if "ADDITIONAL" in failure_reason.upper():
            return FixKind.ADDITIONAL_INFO
        return FixKind.NONE  # KYC_FAILED, a suspension, or a reason we do not know

    def reset(self, verification: Verification) -> StatusSnapshot:
        return StatusSnapshot(self.client.reset_kyc(_customer_id(verification)).status)

    def force_outcome(self, verification: Verification, outcome: str) -> StatusSnapshot:
        answer = self.client.mock_kyc_status(_customer_id(verification), outcome)
        return StatusSnapshot(answer.status, answer.failure_reason or "")

    # --- bank accounts -----------------------------------------------------------------------
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

    # --- webhooks ----------------------------------------------------------------------------
    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, received_at: datetime | None = None
    ) -> ProviderEvent:
        event = verify_webhook(
            headers=headers,
            body=body,
            api_key=settings.DOLLARPE_API_KEY,
            api_secret=settings.DOLLARPE_API_SECRET,
            tolerance=settings.DOLLARPE_WEBHOOK_TOLERANCE,
            # A stored delivery is re-read later: it was fresh if it was when it arrived.
            now=None if received_at is None else received_at.timestamp(),
        )
        occurred = event.timestamp.isoformat()
        return ProviderEvent(
            kind={"CUSTOMER": "customer", "BANK": "bank"}.get(event.type, event.type.lower()),
            entity_id=event.id,
            status=event.event,
            failure_reason=event.failure_reason or "",
            occurred_at=event.timestamp,
            dedupe_key=f"{event.type}:{event.id}:{event.event}:{occurred}"[:255],
            raw_type=event.type,
            raw_event=event.event,
        )


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


def _kyc_data(
    customer_id: str, submission: Submission, data: Mapping[str, Any], urls: Mapping[str, str]
) -> t.KycData:
    return t.KycData(
        customer_id=customer_id,
        full_name=data["full_name"],
        phone=data["phone"],
        full_address=data["full_address"],
        dob=_dmy(data["dob"]),
        registered_date=_dmy(submission.verification.user.date_joined.date()),
        tax_number=data["tax_number"],
        document_type=data["document_type"],
        document_front_image_url=urls["document_front"],
        document_back_image_url=urls["document_back"],
        document_details=t.DocumentDetails(document_number=data["document_number"]),
        selfie_url=urls["selfie"],
        selfie_verification_status=bool(data.get("selfie_verification_status", True)),
        additional_info=data.get("additional_info") or None,
    )


def _document_update(
    customer_id: str, data: Mapping[str, Any], urls: Mapping[str, str]
) -> t.DocumentUpdate:
    return t.DocumentUpdate(
        customer_id=customer_id,
        full_address=data["full_address"],
        document_type=data["document_type"],
        document_front_image_url=urls["document_front"],
        document_back_image_url=urls["document_back"],
        document_details=t.DocumentDetails(document_number=data["document_number"]),
        phone=data["phone"],
    )
