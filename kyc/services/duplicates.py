"""Duplicate detection: applicants who share a tax number, document number, phone, email,
bank account number or UPI ID, found through the blind index (kyc/blind_index.py).

Whenever a profile, a submission or a bank account is stored, `duplicates_index`
replaces the applicant's index entries (under the newest key) in the same transaction
and keeps Verification.has_duplicates right for them and for whoever they share with.
Matching hashes the applicant's own values under every configured key, so it works
while a rotation (`manage.py kyc_blind_index`) is half done. Numbers are read from the
stored rows (decrypted in memory), hashed, and never written anywhere else: not in a
log, not in an audit note (the note names the kind and the other applicant only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from kyc.blind_index import Kind, entries, lookup_digests, newest_key_id
from kyc.models import BankAccount, IdentityDigest, Submission, Verification
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record

# The parts of a submission's data that are identity numbers of the blind index.
SUBMITTED_KINDS = (Kind.TAX_NUMBER, Kind.DOCUMENT_NUMBER, Kind.PHONE)
# A whole number typed in the admin's search box finds at most this many applicants.
SEARCH_LIMIT = 100
SEARCH_MIN_LENGTH = 4
# Entries read for one applicant's matches: a number shared by thousands (a test phone, a
# company's email) lists the first of them, and the page stays one bounded query.
MATCH_LIMIT = 500


@dataclass
class Shared:
    """Another applicant, and which of the numbers they share with this one."""

    verification: Verification
    kinds: set[str] = field(default_factory=set)

    @property
    def kind_labels(self) -> list[str]:
        return [str(Kind(kind).label) for kind in Kind if kind in self.kinds]


@dataclass(frozen=True)
class Refusal:
    """A provider refusal saying another customer holds a number, with ours who do."""

    text: str
    kinds: frozenset[str]
    matches: tuple[Shared, ...]


@dataclass(frozen=True)
class Stored:
    """What of an applicant is indexed, read once (two queries)."""

    verification: Verification
    submissions: tuple[Submission, ...]
    banks: tuple[BankAccount, ...]

    @classmethod
    def of(cls, verification: Verification) -> Stored:
        return cls(
            verification,
            tuple(Submission.objects.filter(verification=verification).order_by("pk")),
            tuple(BankAccount.objects.filter(verification=verification).order_by("pk")),
        )

    def values(self) -> set[tuple[str, str]]:
        """(kind, value) of every identity number stored for the applicant."""
        found = {(Kind.EMAIL.value, self.verification.email)}
        found.add((Kind.PHONE.value, self.verification.phone))
        for submission in self.submissions:
            data = submission.data or {}
            found |= {(kind.value, str(data[kind])) for kind in SUBMITTED_KINDS if data.get(kind)}
        for bank in self.banks:
            found.add((Kind.ACCOUNT_NUMBER.value, bank.account_number))
            found.add((Kind.VPA.value, bank.vpa))
        return {(kind, value) for kind, value in found if value}


# --- writing the index -------------------------------------------------------------------------
def duplicates_index(*, verification_id: int) -> list[Shared]:
    """Replace the applicant's entries by those of what is stored now, under the newest
    key; update the duplicate flags it changes. Call it inside the transaction that
    stored the data. Returns who the applicant shares numbers with."""
    with transaction.atomic():
        verification = Verification.objects.get(pk=verification_id)
        stored = Stored.of(verification)
        before = _partners_by_stored_rows(verification_id)
        _write_entries(verification_id, stored.values())
        shared = _matches(stored)
        _flag(verification, shared)
        for other in shared:
            _flag_partner(other.verification, verification, other.kinds)
        now = {other.verification.pk for other in shared}
        for former in Verification.objects.filter(pk__in=before - now):
            _flag(former, _matches(Stored.of(former)))
    return shared


def _write_entries(verification_id: int, values: Iterable[tuple[str, str]]) -> None:
    rows = {entry for kind, value in values for entry in entries(kind, value)}
    IdentityDigest.objects.filter(verification_id=verification_id).delete()
    IdentityDigest.objects.bulk_create(
        IdentityDigest(
            verification_id=verification_id, kind=e.kind, key_id=e.key_id, digest=e.digest
        )
        for e in rows
    )


def _partners_by_stored_rows(verification_id: int) -> set[int]:
    """Who shares an entry with the applicant's current rows (before they are replaced)."""
    mine = IdentityDigest.objects.filter(verification_id=verification_id).values("digest")
    found = IdentityDigest.objects.filter(digest__in=mine).exclude(verification_id=verification_id)
    return set(found.values_list("verification_id", flat=True))


def _flag(verification: Verification, shared: list[Shared]) -> None:
    """Set has_duplicates to what `shared` says, auditing a change (compare-and-set)."""
    value = bool(shared)
    changed = Verification.objects.filter(pk=verification.pk, has_duplicates=not value).update(
        has_duplicates=value
    )
    if not changed:
        return
    if value:
        _audit_found(verification, shared)
    else:
        audit_record(
            verification=verification,
            action="duplicates_cleared",
            source="system",
            note="no other applicant shares an identity number any more",
        )


def _flag_partner(partner: Verification, verification: Verification, kinds: set[str]) -> None:
    changed = Verification.objects.filter(pk=partner.pk, has_duplicates=False).update(
        has_duplicates=True
    )
    if changed:
        _audit_found(partner, [Shared(verification, kinds)])


def _audit_found(verification: Verification, shared: list[Shared]) -> None:
    # The kinds and the other applicants' references: never a number.
    parts = [f"{', '.join(s.kind_labels)} with {s.verification.reference}" for s in shared]
    audit_record(
        verification=verification,
        action="duplicates_found",
        source="system",
        note="shares " + "; ".join(parts),
    )


# --- reading it ----------------------------------------------------------------------------
def _matches(stored: Stored) -> list[Shared]:
    """The other applicants holding any of this one's numbers, under any configured key."""
    digests = lookup_digests(stored.values())
    rows = (
        IdentityDigest.objects.filter(digest__in=list(digests))
        .exclude(verification_id=stored.verification.pk)
        .select_related("verification")
        .order_by("verification_id")[:MATCH_LIMIT]
    )
    shared: dict[int, Shared] = {}
    for row in rows:
        other = shared.setdefault(row.verification_id, Shared(row.verification))
        other.kinds.add(digests[row.digest])
    return list(shared.values())


def duplicates_of(verification: Verification) -> tuple[list[Shared], list[Refusal]]:
    """Who shares a number with the applicant, and the provider's "already in use" refusals
    with the applicants of ours they are about (a fixed number of queries)."""
    stored = Stored.of(verification)
    shared = _matches(stored)
    return shared, _refusals(stored, shared)


def _refusal_texts(stored: Stored) -> list[str]:
    verification = stored.verification
    texts = [text for values in (verification.customer_errors or {}).values() for text in values]
    texts += [s.last_error for s in stored.submissions if s.state == Submission.State.REJECTED]
    texts += [b.failure_reason for b in stored.banks if b.status == BankAccount.State.REJECTED]
    texts.append(verification.provider_reason)
    return [str(text) for text in texts if text]


def _refusals(stored: Stored, shared: list[Shared]) -> list[Refusal]:
    try:
        provider: Any = get_provider(stored.verification.provider)
    except ImproperlyConfigured:
        return []  # a provider no longer configured: its words are unknown
    in_use = getattr(provider, "in_use_kinds", None)  # optional: providers that say so
    if in_use is None:
        return []
    found: list[Refusal] = []
    for text in dict.fromkeys(_refusal_texts(stored)):
        kinds = frozenset(in_use(text))
        if kinds:
            matches = tuple(s for s in shared if s.kinds & kinds)
            found.append(Refusal(text=text, kinds=kinds, matches=matches))
    return found


def duplicates_search(term: str) -> list[int]:
    """The applicants holding a whole identity number typed by staff: the term is hashed as
    each kind, under every key, and looked up; nothing of it is stored or logged."""
    term = term.strip()
    if len(term) < SEARCH_MIN_LENGTH:
        return []
    digests = lookup_digests((kind.value, term) for kind in Kind)
    found = IdentityDigest.objects.filter(digest__in=list(digests))
    ids = found.order_by("verification_id").values_list("verification_id", flat=True)
    return list(dict.fromkeys(ids))[:SEARCH_LIMIT]


# --- rotation ------------------------------------------------------------------------------
def duplicates_reindex_batch(*, after: int, size: int) -> tuple[int | None, int]:
    """Re-index the next `size` applicants after pk `after` that have an entry under an
    older key, or none at all (never indexed); returns (last pk seen or None when done,
    how many were re-indexed). Resumable: a finished applicant is skipped next time."""
    newest = newest_key_id()
    ids = list(
        Verification.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]
    )
    if not ids:
        return None, 0
    current = IdentityDigest.objects.filter(verification_id__in=ids)
    done = set(current.filter(key_id=newest).values_list("verification_id", flat=True))
    stale = set(current.exclude(key_id=newest).values_list("verification_id", flat=True))
    todo = [pk for pk in ids if pk not in done or pk in stale]
    for pk in todo:  # each in its own short transaction: applicants' rows are not held
        duplicates_index(verification_id=pk)
    return ids[-1], len(todo)


def duplicates_left() -> int:
    """Entries still under a key other than the newest (0: the old keys can be dropped)."""
    return IdentityDigest.objects.exclude(key_id=newest_key_id()).count()
