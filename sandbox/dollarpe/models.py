"""Entities the emulator stores (fact sheet §13), and their public DollarPe shapes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

UNVERIFIED = "UNVERIFIED"
PROCESSING = "PROCESSING"
VERIFIED = "VERIFIED"
FAILED = "FAILED"

TAX_FAILED = "TAX_VERIFICATION_FAILED"
DOCUMENT_FAILED = "DOCUMENT_VERIFICATION_FAILED"
SELFIE_FAILED = "SELFIE_VERIFICATION_FAILED"
KYC_FAILED = "KYC_FAILED"

ACCOUNT_DETAILS = "ACCOUNT_DETAILS"


@dataclass
class Customer:
    id: str
    org: str
    full_name: str
    email: str
    phone: str | None
    country: str
    client_reference_id: str | None = None
    non_residence_status: bool = False
    residence_alpha_3_country_code: str | None = None
    type: str = "INDIVIDUAL"
    status: str = UNVERIFIED
    failure_reason: str | None = None
    document_type: str | None = None
    is_edd_verified: bool = False
    # Internal state, never in API responses.
    kyc: dict[str, Any] | None = None
    update_count: int = 0
    # Bumped on every user-driven status change so a stale decision job can tell it is stale.
    generation: int = 0
    documents: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    created_at: float = 0.0

    def to_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Customer:
        return cls(**record)

    def public(self, *, with_document_type: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "client_reference_id": self.client_reference_id,
            "full_name": self.full_name,
            "email": self.email,
            "phone": self.phone,
            "country": self.country,
            "type": self.type,
            "status": self.status,
            "failure_reason": self.failure_reason,
            "non_residence_status": self.non_residence_status,
            "residence_alpha_3_country_code": self.residence_alpha_3_country_code,
            "is_edd_verified": self.is_edd_verified,
        }
        if with_document_type:
            data["document_type"] = self.document_type
        return data


@dataclass
class BankAccount:
    id: str
    customer_id: str
    org: str
    bank_account_type: str
    account_number: str | None = None
    ifsc: str | None = None
    account_name: str | None = None
    vpa: str | None = None
    status: str = PROCESSING
    failure_reason: str | None = None
    created_at: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> BankAccount:
        return cls(**record)

    def public(self) -> dict[str, Any]:
        # Both `ifsc` (live docs) and `ifsc_code` (guide / May-2025 OpenAPI) are returned.
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "account_number": self.account_number,
            "ifsc": self.ifsc,
            "ifsc_code": self.ifsc,
            "account_name": self.account_name,
            "vpa": self.vpa,
            "bank_account_type": self.bank_account_type,
            "bank_account_status": self.status,
            "failure_reason": self.failure_reason,
        }
