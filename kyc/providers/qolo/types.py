"""Qolo's answers as we read them (API.md §3, §5), validated before anything uses them.

Unknown fields are ignored: Qolo adds fields without a new version [GS-REPO]. Statuses and
result words stay strings (Qolo publishes no vocabulary for them), the adapter decides.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from kyc.providers.moments import UtcMoment

T = TypeVar("T")


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def _list(value: Any) -> Any:
    return [] if value is None else value


# Qolo's nullable arrays: null reads as empty.
Listed = Annotated[list[T], BeforeValidator(_list)]


class Person(_Read):
    person_guid: str = Field(min_length=1, max_length=64)
    person_status: str | None = None
    client_reference_id: str | None = None


class CreatedPerson(_Read):
    person_details: Person


class Question(_Read):
    key: str | None = None
    prompt: str | None = None
    options: Listed[str] = Field(default_factory=list)


class Entry(_Read):
    """One attempt or method in the person's verification history."""

    verification_method: str | None = None
    # A date without a zone is UTC: every date compares with every other.
    verification_date: UtcMoment | None = None
    verification_results: str | None = None
    response_code: str | None = None
    reason_code: str | None = None
    questions: Listed[Question] = Field(default_factory=list)


class KycResult(_Read):
    person_guid: str | None = None
    verification_mode: str | None = None
    verification_level: str | None = None
    results: Listed[Entry] = Field(default_factory=list, alias="verificationResults")


class Page(_Read):
    data: Listed[Person] = Field(default_factory=list)
    has_more: bool = False


class Subscription(_Read):
    notification_guid: str = Field(min_length=1)
    url: str = ""
    active: bool | None = None


class Subscriptions(_Read):
    data: Listed[Subscription] = Field(default_factory=list)
