"""Links that open one onboarding's photo step on a phone: made, emailed, redeemed once.

The token lives only in the QR code, the page that shows it and the email; the database keeps
its SHA-256 digest. Redeeming is one conditional UPDATE, so two phones racing on one link
cannot both win.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kyc import jobs
from kyc.fields import encrypt
from kyc.models import AuditEvent, PhoneLink, Verification
from kyc.services.audit import audit_record

EMAILED = "phone_link_emailed"


class EmailLimitReached(Exception):
    """This onboarding asked for PHONE_LINK_EMAILS_PER_HOUR emails in the last hour."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def window() -> timedelta:
    return timedelta(minutes=settings.PHONE_LINK_MINUTES)


def phone_link_live(link: PhoneLink) -> bool:
    return link.used_at is None and link.expires_at > timezone.now()


def minutes_left(link: PhoneLink) -> int:
    """What a person is told: whole minutes, rounded up (a fresh link says the full window)."""
    return max(1, math.ceil((link.expires_at - timezone.now()).total_seconds() / 60))


def phone_link_create(*, verification: Verification, actor: Any) -> tuple[PhoneLink, str]:
    """A new link, and its token; the older unused links of this onboarding stop working."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        older = PhoneLink.objects.filter(
            verification=verification, used_at__isnull=True, expires_at__gt=now
        )
        revoked = older.update(expires_at=now)
        link = PhoneLink.objects.create(
            verification=verification, token_digest=digest(token), expires_at=now + window()
        )
        note = f"link {link.pk}; {revoked} older unused link(s) revoked"
        audit_record(
            verification=verification,
            action="phone_link_created",
            source=AuditEvent.Source.USER,
            actor=actor,
            note=note,
        )
    return link, token


def phone_link_find(*, token: str) -> PhoneLink | None:
    """The link of this token, live or not (None for a token we never made)."""
    return PhoneLink.objects.filter(token_digest=digest(token)).first()


def phone_link_redeem(*, token: str) -> PhoneLink | None:
    """Use the link once: the first caller gets it, anyone after (or too late) gets None."""
    now = timezone.now()
    with transaction.atomic():
        won = PhoneLink.objects.filter(
            token_digest=digest(token), used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not won:
            return None
        link = PhoneLink.objects.select_related("verification").get(token_digest=digest(token))
        audit_record(
            verification=link.verification,
            action="phone_link_redeemed",
            source=AuditEvent.Source.USER,
            note=f"link {link.pk} opened on a phone",
        )
    return link


def phone_link_email(*, link: PhoneLink, url: str, actor: Any) -> None:
    """Email `url` (the link's address) to the user's own address, within the hourly limit.

    The address travels to the worker encrypted, like identity data at rest.
    """
    with transaction.atomic():
        Verification.objects.select_for_update().get(pk=link.verification_id)  # one at a time
        since = timezone.now() - timedelta(hours=1)
        sent = AuditEvent.objects.filter(
            verification_id=link.verification_id, action=EMAILED, created_at__gte=since
        ).count()
        if sent >= settings.PHONE_LINK_EMAILS_PER_HOUR:
            raise EmailLimitReached
        PhoneLink.objects.filter(pk=link.pk).update(emailed_at=timezone.now())
        audit_record(
            verification=link.verification,
            action=EMAILED,
            source=AuditEvent.Source.USER,
            actor=actor,
            note=f"link {link.pk}",
        )
        jobs.after_commit(
            jobs.SEND_PHONE_LINK_EMAIL, {"link_id": link.pk, "sealed_url": encrypt(url)}
        )
