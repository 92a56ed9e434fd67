"""Which provider verifies an applicant: ordered rules, chosen when the profile is saved.

KYC_ROUTING is a JSON list of rules; the first that matches wins, and without a match
the applicant goes to KYC_DEFAULT_PROVIDER. A rule matches on nationality and country
of residence (alpha-3 lists; absent means any) and on a rollout percentage: a stable
hash of the applicant's reference puts each applicant in one of 100 buckets per rule,
so the same applicant always gets the same answer and raising the percentage only adds
applicants. A rule may name the provider's program (Qolo's program_guid, say).

    [{"id": "ca-rebilly", "provider": "rebilly", "residence": ["CAN"], "percent": 20},
     {"id": "us-qolo", "provider": "qolo", "program": "<guid>", "nationality": ["USA"]}]

Rules are checked at start-up (`manage.py check`): a rule naming an unknown or disabled
provider, or one that cannot be read, is an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse

from kyc.providers import registry
from kyc.providers.interface import Capabilities

DEFAULT_RULE = "default"
RULE_KEYS = {"id", "provider", "nationality", "residence", "percent", "program"}


class RoutingError(ImproperlyConfigured):
    """KYC_ROUTING or KYC_DEFAULT_PROVIDER cannot be used as it is."""


# The journey pages a capability needs; a provider declaring it cannot be enabled until they
# exist (they come with the first provider that has it).
PAGES_NEEDED = {
    "hosted collection": ("onboarding:hosted", lambda caps: caps.collection == "hosted"),
    "challenge questions": ("onboarding:questions", lambda caps: caps.challenge_questions),
}


def _unserved(caps: Capabilities) -> list[str]:
    missing = []
    for words, (url_name, needed) in PAGES_NEEDED.items():
        if not needed(caps):
            continue
        try:
            reverse(url_name)
        except NoReverseMatch:
            missing.append(words)
    return missing


@dataclass(frozen=True)
class Rule:
    id: str
    provider: str
    nationality: frozenset[str] = frozenset()
    residence: frozenset[str] = frozenset()
    percent: int = 100
    program: str = ""

    def matches(self, *, reference: str, nationality: str, residence: str) -> bool:
        if self.nationality and nationality not in self.nationality:
            return False
        if self.residence and residence not in self.residence:
            return False
        return bucket(reference, self.id) < self.percent


@dataclass(frozen=True)
class Route:
    provider: str
    program: str
    rule: str  # the rule's id, or "default"


def bucket(reference: str, rule_id: str) -> int:
    """0..99, the same for one applicant and rule on every machine and run."""
    digest = hashlib.sha256(f"{rule_id}\x00{reference}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def _countries(rule_id: str, key: str, value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(
        isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()
        for code in value
    ):
        raise RoutingError(f"rule {rule_id!r}: {key} must be a list of alpha-3 country codes")
    return frozenset(value)


def _rule(raw: Any, position: int) -> Rule:
    if not isinstance(raw, Mapping):
        raise RoutingError(f"rule {position + 1} is not an object")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip() or len(rule_id) > 64:
        raise RoutingError(f"rule {position + 1} needs an id (text, at most 64 characters)")
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise RoutingError(f"rule {rule_id!r}: unknown keys {', '.join(sorted(unknown))}")
    provider, percent, program = (
        raw.get("provider"),
        raw.get("percent", 100),
        raw.get("program", ""),
    )
    if not isinstance(provider, str) or not provider:
        raise RoutingError(f"rule {rule_id!r} names no provider")
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise RoutingError(f"rule {rule_id!r}: percent must be a whole number from 0 to 100")
    if not isinstance(program, str) or len(program) > 64:
        raise RoutingError(f"rule {rule_id!r}: program must be text of at most 64 characters")
    return Rule(
        id=rule_id,
        provider=provider,
        nationality=_countries(rule_id, "nationality", raw.get("nationality")),
        residence=_countries(rule_id, "residence", raw.get("residence")),
        percent=percent,
        program=program,
    )


def parse_rules(raw: Any) -> list[Rule]:
    """The rules of KYC_ROUTING; RoutingError names what is wrong."""
    if not isinstance(raw, list):
        raise RoutingError("KYC_ROUTING must be a JSON list of rules")
    rules = [_rule(item, position) for position, item in enumerate(raw)]
    ids = [rule.id for rule in rules]
    repeated = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if repeated:
        raise RoutingError(f"rule ids must be unique: {', '.join(repeated)}")
    return rules


def problems() -> list[str]:
    """Everything wrong with the routing settings, for `manage.py check`."""
    found = [
        f"KYC_PROVIDERS names {name!r}, which is not a known provider"
        for name in settings.KYC_PROVIDERS
        if name not in registry.known()
    ]
    for name in registry.enabled():
        found += [
            f"provider {name!r} needs {words}, which this version has no pages for"
            for words in _unserved(registry.capabilities(name))
        ]
    if not registry.is_enabled(settings.KYC_DEFAULT_PROVIDER):
        found.append(f"KYC_DEFAULT_PROVIDER {settings.KYC_DEFAULT_PROVIDER!r} is not enabled")
    try:
        rules = parse_rules(settings.KYC_ROUTING)
    except RoutingError as exc:
        return [*found, str(exc)]
    for rule in rules:
        if rule.provider not in registry.known():
            found.append(f"rule {rule.id!r} names an unknown provider {rule.provider!r}")
        elif not registry.is_enabled(rule.provider):
            found.append(f"rule {rule.id!r} names {rule.provider!r}, which is not enabled")
    return found


def route(*, reference: str, nationality: str, residence: str) -> Route:
    """The provider for an applicant: the first rule that matches, else the default."""
    rules: Iterable[Rule] = parse_rules(settings.KYC_ROUTING)
    for rule in rules:
        if registry.is_enabled(rule.provider) and rule.matches(
            reference=reference, nationality=nationality, residence=residence
        ):
            return Route(rule.provider, rule.program, rule.id)
    return Route(settings.KYC_DEFAULT_PROVIDER, "", DEFAULT_RULE)
