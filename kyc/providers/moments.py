"""Moments read from a provider's JSON, with the standard library's time zone.

pydantic-core parses an offset ("Z", "+05:30") into a zone class of its own (TzInfo). A
datetime holding one that is still alive when the interpreter exits crashes the final
garbage collection (SIGSEGV after a clean run: pydantic/pydantic#12867, open). Every
moment a provider gives us is therefore turned to UTC with `datetime.UTC`: it compares and
orders exactly as before, and nothing of pydantic-core's outlives the parsing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator


def standard_zone(value: Any) -> Any:
    """An aware datetime in UTC with the standard library's zone; anything else unchanged."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def utc_if_naive(value: Any) -> Any:
    """A datetime without a zone is UTC (for providers that leave the zone out)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return standard_zone(value)


# A provider's moment: aware ones in UTC, naive ones left naive.
Moment = Annotated[datetime, AfterValidator(standard_zone)]
# A provider's moment where a missing zone means UTC: always aware.
UtcMoment = Annotated[datetime, AfterValidator(utc_if_naive)]
