"""No datetime we read from a provider keeps pydantic-core's own zone class (TzInfo).

One still alive at interpreter exit crashed the final garbage collection now and then
(SIGSEGV after "N passed": pydantic/pydantic#12867); kyc/providers/moments.py gives every
provider moment the standard library's UTC instead. This walks every model of every
provider package, so a datetime field added later without Moment fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

import kyc.providers

OFFSET = "2026-01-02T03:04:05+05:30"


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for module_info in pkgutil.walk_packages(kyc.providers.__path__, "kyc.providers."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseModel)
                and value.__module__.startswith("kyc.providers")
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def _holds_datetime(annotation: Any) -> bool:
    return annotation is datetime or any(_holds_datetime(a) for a in typing.get_args(annotation))


def _datetime_fields() -> list[tuple[str, Any]]:
    fields = []
    for model in _models():
        for name, field in model.model_fields.items():
            if _holds_datetime(field.annotation):
                fields.append((f"{model.__qualname__}.{name}", field.rebuild_annotation()))
    return fields


FIELDS = _datetime_fields()


def test_the_walk_finds_the_providers_datetime_fields():
    names = {name for name, _ in FIELDS}
    assert {"WebhookEvent.timestamp", "Entry.verification_date"} <= names, names
    assert any(name.endswith(".created_time") for name in names), names


@pytest.mark.parametrize(("name", "annotation"), FIELDS, ids=[name for name, _ in FIELDS])
def test_a_providers_moment_has_the_standard_librarys_zone(name, annotation):
    parsed = TypeAdapter(annotation).validate_python(OFFSET)
    assert type(parsed.tzinfo) is timezone, (name, type(parsed.tzinfo))
    assert parsed == datetime(2026, 1, 1, 21, 34, 5, tzinfo=UTC)  # the same moment


def test_pydantic_core_on_its_own_still_hands_out_its_own_zone():
    """What the fields above guard against: if this ever fails, pydantic-core uses the
    standard library's zone itself and kyc/providers/moments.py can go."""
    parsed = TypeAdapter(datetime).validate_python(OFFSET)
    assert type(parsed.tzinfo) is not timezone
    assert parsed.utcoffset() == timedelta(hours=5, minutes=30)
