"""Rebilly's answers as we read them (API.md §3-§7), validated before anything uses them.

Unknown members are ignored (Rebilly adds fields, and its problem bodies may carry
extra members); a status we do not know stays a string, so the adapter decides what to
do with it instead of the answer being refused.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kyc.providers.moments import Moment

# Resource ids: at most 50 characters of ^[@~\-\.\w]+$ [SPEC resourceId.yaml].
ID_PATTERN = r"^[@~\-\.\w]+$"


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Link(_Read):
    rel: str
    href: str


class Customer(_Read):
    id: str = Field(min_length=1, max_length=50)
    revision: int | None = None
    has_fulfilled_kyc: bool | None = Field(default=None, alias="hasFulfilledKyc")


class RequestedDocument(_Read):
    type: str
    subtypes: list[str] | None = None
    max_attempts: int = Field(default=3, ge=0, alias="maxAttempts")
    face_proof_required: bool | None = Field(default=None, alias="faceProofRequired")


class RejectionReason(_Read):
    type: str = "other"
    message: str | None = None


class Check(_Read):
    name: str = ""
    failed: bool = False


class DocumentMatches(_Read):
    check_list: list[Check] = Field(default_factory=list, alias="checkList")


class KycDocument(_Read):
    id: str = Field(min_length=1, max_length=50)
    customer_id: str | None = Field(default=None, alias="customerId")
    request_id: str | None = Field(default=None, alias="requestId")
    document_type: str = Field(alias="documentType")
    document_subtype: str | None = Field(default=None, alias="documentSubtype")
    status: str
    rejection_reason: RejectionReason | None = Field(default=None, alias="rejectionReason")
    reviewer_id: str | None = Field(default=None, alias="reviewerId")
    revision: int | None = None
    document_matches: DocumentMatches | None = Field(default=None, alias="documentMatches")
    created_time: Moment | None = Field(default=None, alias="createdTime")

    @property
    def failed_checks(self) -> set[str]:
        matches = self.document_matches
        return {check.name for check in matches.check_list if check.failed} if matches else set()


class Embedded(_Read):
    documents: list[KycDocument] = Field(default_factory=list)


class KycRequest(_Read):
    id: str = Field(min_length=1, max_length=50)
    customer_id: str = Field(alias="customerId")
    status: str
    documents: list[RequestedDocument] = Field(default_factory=list)
    revision: int | None = None
    expiration_time: Moment | None = Field(default=None, alias="expirationTime")
    created_time: Moment | None = Field(default=None, alias="createdTime")
    links: list[Link] = Field(default_factory=list, alias="_links")
    embedded: Embedded | None = Field(default=None, alias="_embedded")

    @field_validator("links", mode="before")
    @classmethod
    def _links_may_be_null(cls, value: Any) -> Any:
        return [] if value is None else value

    def link(self, *rels: str) -> str:
        """The first link with one of `rels`, in the order asked ("" when none)."""
        for rel in rels:
            for item in self.links:
                if item.rel == rel:
                    return item.href
        return ""


class Credential(_Read):
    id: str = Field(min_length=1, max_length=50)


class Webhook(_Read):
    id: str = Field(min_length=1, max_length=50)
    url: str = ""
    method: str = ""
    status: str = "active"


class WebhookBody(_Read):
    """A delivery: a KycDocumentWebhook or KycRequestWebhook [SPEC requestBodies/Webhooks]."""

    event_type: str = Field(alias="eventType", min_length=1, max_length=50)
    customer_id: str | None = Field(default=None, alias="customerId", max_length=50)
    kyc_request_id: str | None = Field(default=None, alias="kycRequestId", max_length=50)
    kyc_document_id: str | None = Field(default=None, alias="kycDocumentId", max_length=50)
    embedded: dict[str, Any] = Field(default_factory=dict, alias="_embedded")

    @field_validator("embedded", mode="before")
    @classmethod
    def _embedded_may_be_null(cls, value: Any) -> Any:
        return {} if value is None else value

    def revision_of(self, key: str) -> int | None:
        item = self.embedded.get(key)
        value = item.get("revision") if isinstance(item, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None
