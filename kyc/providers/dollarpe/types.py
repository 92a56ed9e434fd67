"""Typed DollarPe requests and responses.

Responses accept every documented variant (`id` or `customer_id`, `ifsc` or
`ifsc_code`, extra fields) and refuse what has none of them, so a malformed
answer becomes an InvalidResponseError instead of a KeyError deep in the core.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, Literal, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

DATE_FORMAT = "%d-%m-%Y"  # DollarPe dates are DD-MM-YYYY


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _null_string(value: Any) -> Any:
    # The live bank example shows the string "null" where null is meant.
    return None if value in ("null", "") else value


class Customer(_Response):
    id: str = Field(validation_alias=AliasChoices("id", "customer_id"))
    status: str
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None
    country: str | None = None
    client_reference_id: str | None = None
    type: str | None = None
    failure_reason: str | None = None
    document_type: str | None = None
    non_residence_status: bool | None = None
    residence_alpha_3_country_code: str | None = None

    _nulls = field_validator("failure_reason", "document_type", mode="before")(_null_string)


T = TypeVar("T")


class Page(_Response, Generic[T]):
    count: int
    next: str | None = None
    previous: str | None = None
    results: list[T]


class AdditionalInfoRules(_Response):
    type: Literal["allOf", "anyOf"]
    min_required: int = Field(ge=0)


class AdditionalInfoField(_Response):
    type: str = "string"  # `string` or `url`; an unknown type is kept for the form builder
    required: bool = False


class AdditionalInfoRequired(_Response):
    options: list[str]
    rules: AdditionalInfoRules
    fields: dict[str, AdditionalInfoField] = {}

    @model_validator(mode="before")
    @classmethod
    def _collect_fields(cls, data: Any) -> Any:
        # Field specs are siblings of `options` and `rules`, keyed by field name.
        if not isinstance(data, dict):
            return data
        known = {"options", "rules", "fields"}
        fields = {k: v for k, v in data.items() if k not in known}
        # Our own dump (the cached copy) keeps them under "fields": read them back from there.
        if isinstance(data.get("fields"), dict):
            fields = {**data["fields"], **fields}
        return {"options": data.get("options"), "rules": data.get("rules"), "fields": fields}


class KycConfiguration(_Response):
    supported_document_types: list[str] = Field(min_length=1)
    additional_info_required: AdditionalInfoRequired | None = None


class KycStatus(_Response):
    """The answer of add-kyc-data, the update endpoints, reset and mock."""

    id: str = Field(validation_alias=AliasChoices("id", "customer_id"))
    status: str
    failure_reason: str | None = None

    _nulls = field_validator("failure_reason", mode="before")(_null_string)


class BankAccount(_Response):
    id: str = Field(validation_alias=AliasChoices("id", "bank_id"))
    customer_id: str | None = None
    account_number: str | None = None
    ifsc: str | None = Field(default=None, validation_alias=AliasChoices("ifsc", "ifsc_code"))
    account_name: str | None = None
    vpa: str | None = None
    bank_account_type: str | None = None
    bank_account_status: str
    failure_reason: str | None = None

    _nulls = field_validator("failure_reason", "vpa", "account_number", mode="before")(_null_string)


class KycLink(_Response):
    customer_id: str | None = Field(
        default=None, validation_alias=AliasChoices("customer_id", "id")
    )
    url: str


# --- requests -------------------------------------------------------------------------------


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class NewCustomer(_Request):
    full_name: str
    email: str
    phone: str
    alpha_3_country_code: str
    client_reference_id: str | None = None
    non_residence_status: bool | None = None
    residence_alpha_3_country_code: str | None = None


class DocumentDetails(_Request):
    document_number: str
    additional_data: dict[str, Any] = {}


def _dmy(value: Any) -> Any:
    return value.strftime(DATE_FORMAT) if isinstance(value, date) else value


class KycData(_Request):
    customer_id: str
    full_name: str
    phone: str
    full_address: str
    dob: str
    registered_date: str
    tax_number: str
    document_type: str
    document_front_image_url: str
    document_back_image_url: str
    document_details: DocumentDetails
    selfie_url: str
    selfie_verification_status: bool
    additional_info: dict[str, str] | None = None

    _dates = field_validator("dob", "registered_date", mode="before")(_dmy)


class DocumentUpdate(_Request):
    customer_id: str
    full_address: str
    document_type: str
    document_front_image_url: str
    document_back_image_url: str
    document_details: DocumentDetails
    # Required by the May-2025 OpenAPI, absent from the live sample: always sent.
    phone: str


class NewBankAccount(_Request):
    customer_id: str
    account_number: str | None = None
    ifsc: str | None = None
    account_name: str | None = None
    vpa: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> NewBankAccount:
        has_account = bool(self.account_number and self.ifsc)
        if has_account == bool(self.vpa):
            raise ValueError("give either account_number with ifsc, or vpa")
        return self
