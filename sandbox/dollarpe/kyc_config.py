"""`GET /kyc/configuration/{id}` contents (fact sheet §5.1) and checks derived from them.

The default is the documented example; non-residents get `ssn_number`/`visa` (anyOf, at
least one) [I]. Both can be replaced through `/_sandbox/config` to feed a client odd
configurations, so the validation below reads whatever shape is configured, defensively.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sandbox.dollarpe.config import RuntimeConfig
from sandbox.dollarpe.models import Customer
from sandbox.dollarpe.validation import BLANK, REQUIRED, URL, is_url

DEFAULT_DOCUMENT_TYPES = ["AADHAAR", "PASSPORT", "VOTER_ID", "DRIVING_LICENSE"]

RESIDENT: dict[str, Any] = {
    "supported_document_types": DEFAULT_DOCUMENT_TYPES,
    "additional_info_required": {
        "options": ["income_range", "profession"],
        "rules": {"type": "allOf", "min_required": 2},
        "income_range": {"type": "string", "required": True},
        "profession": {"type": "string", "required": True},
    },
}

NON_RESIDENT: dict[str, Any] = {
    "supported_document_types": DEFAULT_DOCUMENT_TYPES,
    "additional_info_required": {
        "options": ["ssn_number", "visa"],
        "rules": {"type": "anyOf", "min_required": 1},
        "ssn_number": {"type": "string", "required": False},
        "visa": {"type": "url", "required": False},
    },
}


def configuration_for(customer: Customer, config: RuntimeConfig) -> dict[str, Any]:
    if customer.non_residence_status:
        chosen = config.kyc_configuration_non_resident or NON_RESIDENT
    else:
        chosen = config.kyc_configuration or RESIDENT
    return copy.deepcopy(dict(chosen))


def document_types(configuration: Mapping[str, Any]) -> list[str]:
    types = configuration.get("supported_document_types")
    return [str(t) for t in types] if isinstance(types, list) else []


def additional_info_errors(configuration: Mapping[str, Any], info: Any) -> list[str]:
    """Messages for `additional_info` against the configuration; [] when it is acceptable."""
    spec = configuration.get("additional_info_required")
    if not isinstance(spec, dict):
        return []
    options = [str(o) for o in spec.get("options") or []]
    raw_rules = spec.get("rules")
    rules: Mapping[str, Any] = raw_rules if isinstance(raw_rules, dict) else {}
    needed = _minimum(options, rules)
    required = [name for name in options if _field(spec, name).get("required") is True]
    if info is None:
        return [REQUIRED] if needed or required else []
    if not isinstance(info, dict):
        return [f'Expected a dictionary of items but got type "{type(info).__name__}".']
    errors = [f"{name}: {REQUIRED}" for name in required if name not in info]
    errors += _value_errors(spec, options, info)
    given = [name for name in options if name in info]
    if len(given) < needed and not errors:
        errors.append(f"At least {needed} of {', '.join(options)} required.")
    return errors


def _minimum(options: list[str], rules: Mapping[str, Any]) -> int:
    declared = rules.get("min_required")
    minimum = declared if isinstance(declared, int) and not isinstance(declared, bool) else 0
    if rules.get("type") == "allOf":
        # allOf means every option, whatever min_required says.
        return max(minimum, len(options))
    return minimum


def _field(spec: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = spec.get(name)
    return value if isinstance(value, dict) else {}


def _value_errors(
    spec: Mapping[str, Any], options: list[str], info: Mapping[str, Any]
) -> list[str]:
    errors: list[str] = []
    for name in options:
        if name not in info:
            continue
        value = info[name]
        if not isinstance(value, str) or not value.strip():
            errors.append(f"{name}: {BLANK}")
        elif _field(spec, name).get("type") == "url" and not is_url(value):
            errors.append(f"{name}: {URL}")
    return errors
