from __future__ import annotations

from typing import Any

from kyc.models import AuditEvent, Verification


def audit_record(
    *,
    verification: Verification | None,
    action: str,
    source: str,
    actor: Any = None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        verification=verification,
        action=action,
        source=source,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=from_status,
        to_status=to_status,
        note=note[:2000],
    )
