"""Staff reading identity data: every unmasked view and every export leaves an AuditEvent
saying who read what. The note names the parts read (and the documents by id), never the
data itself, and a search term typed into the list is not repeated either (it may be a
name or an email)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kyc.models import AuditEvent, Document, Verification
from kyc.services.audit import audit_record

SEARCH_PARAMETER = "q"  # the admin's search box


def access_record_view(
    *, verification: Verification, actor: Any, documents: Iterable[Document]
) -> AuditEvent:
    """A staff member opened the verification with its identity data unmasked: the KYC data,
    the bank account numbers, and previews of the accepted documents."""
    previewed = [f"#{d.pk}" for d in documents if d.state == Document.State.ACCEPTED]
    parts = ["KYC data unmasked", "bank account numbers"]
    parts.append(
        f"document previews {', '.join(previewed)}" if previewed else "no document preview"
    )
    return audit_record(
        verification=verification,
        action="identity_data_viewed",
        source="staff",
        actor=actor,
        from_status=verification.status,
        to_status=verification.status,
        note="; ".join(parts),
    )


def access_record_documents_viewed(
    *, verification: Verification, actor: Any, documents: Iterable[Document]
) -> AuditEvent:
    """A staff member opened the document viewer with the pictures shown (unmasked)."""
    shown = [f"#{d.pk}" for d in documents if d.state == Document.State.ACCEPTED]
    return audit_record(
        verification=verification,
        action="documents_viewed",
        source="staff",
        actor=actor,
        from_status=verification.status,
        to_status=verification.status,
        note=f"document viewer: {', '.join(shown)}" if shown else "document viewer: no picture",
    )


def access_record_export(*, actor: Any, unmasked: bool, filters: Mapping[str, str]) -> AuditEvent:
    """A staff member downloaded the verification list as CSV (of no single verification)."""
    shown = [
        f"{name}=(search)" if name == SEARCH_PARAMETER else f"{name}={value}"
        for name, value in sorted(filters.items())
    ]
    numbers = "identity numbers unmasked" if unmasked else "identity numbers masked"
    return audit_record(
        verification=None,
        action="list_exported",
        source="staff",
        actor=actor,
        note=f"CSV export, {numbers}; filters: {', '.join(shown) or 'none'}",
    )
