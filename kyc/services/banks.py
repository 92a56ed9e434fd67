"""Bank accounts, once the customer is verified, with providers that verify them
(Capabilities.banking, kyc.providers.interface.BankingProvider)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kyc import jobs
from kyc.models import BankAccount, Verification
from kyc.providers.errors import (
    DuplicateReferenceError,
    PermanentProviderError,
    TransientProviderError,
)
from kyc.providers.interface import BankingProvider, BankSnapshot
from kyc.providers.registry import get_provider
from kyc.services.audit import audit_record
from kyc.services.duplicates import duplicates_index
from kyc.services.notify import email_after_commit
from kyc.services.readiness import hold_refusal, verified_for_us

DECIDED = {BankAccount.State.VERIFIED, BankAccount.State.FAILED}
# What a KYC reset leaves alone: accounts that were never usable.
NOT_SUSPENDED = {BankAccount.State.FAILED, BankAccount.State.REJECTED, BankAccount.State.SUSPENDED}


class BankRefused(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _label(kind: str, account_number: str, vpa: str) -> str:
    if kind == BankAccount.Kind.VPA:
        name, _, host = vpa.partition("@")
        return f"{name[:2]}•••@{host}"[:40]
    return f"•••• {account_number[-4:]}"


def bank_account_add(
    *,
    verification: Verification,
    kind: str,
    account_number: str = "",
    ifsc: str = "",
    vpa: str = "",
) -> BankAccount:
    """Record the account, then ask the provider; a refusal raises BankRefused."""
    if not banking_provider(verification.provider):
        raise BankRefused(_("Bank accounts are not added through this verification."))
    held = hold_refusal(verification)
    if held:
        raise BankRefused(held)
    if not verified_for_us(verification):
        raise BankRefused(_("Your identity must be verified before you add a bank account."))
    with transaction.atomic():
        bank = BankAccount.objects.create(
            verification=verification,
            kind=kind,
            account_number=account_number,
            ifsc=ifsc.upper(),
            vpa=vpa.lower(),
            label=_label(kind, account_number, vpa),
        )
        audit_record(verification=verification, action="bank_added", source="user", note=bank.label)
        duplicates_index(verification_id=verification.pk)
    bank_account_send(bank_id=bank.pk)
    bank.refresh_from_db()
    return bank


def bank_account_send(*, bank_id: int, attempt: int = 1) -> str:
    """Send a queued account to the provider, at most once at a time.

    The account is claimed (queued -> sending) by compare-and-set before the call.
    A transient failure puts it back to queued: from a page (attempt 1) a task takes
    over, from that task the error is raised again for its exponential backoff. An
    "already in use" answer for an account the provider lists under our own customer
    means an earlier attempt got through: that account is adopted, not refused.
    """
    claimed = BankAccount.objects.filter(pk=bank_id, status=BankAccount.State.QUEUED).update(
        status=BankAccount.State.SENDING, status_changed_at=timezone.now()
    )
    bank = BankAccount.objects.select_related("verification").get(pk=bank_id)
    if not claimed:
        return bank.status
    provider = banking_provider(bank.verification.provider, verification_id=bank.verification_id)
    if provider is None:  # the provider stopped banking after the account was recorded
        _refuse(bank, PermanentProviderError("bank accounts are not verified by this provider"))
        return BankAccount.State.REJECTED
    try:
        snapshot = _add_or_adopt(provider, bank)
    except TransientProviderError:
        _back_to_queue(bank)
        if attempt > 1:
            raise
        _schedule(bank)
        return BankAccount.State.QUEUED
    except PermanentProviderError as exc:
        _refuse(bank, exc)
        raise BankRefused(exc.message.split(": ", 1)[-1], exc.field) from None
    BankAccount.objects.filter(pk=bank.pk, status=BankAccount.State.SENDING).update(
        provider_bank_id=snapshot.provider_bank_id, status=BankAccount.State.PROCESSING
    )
    bank_apply_status(
        bank_id=bank.pk,
        status=snapshot.status,
        failure_reason=snapshot.failure_reason,
        source="provider",
    )
    return snapshot.status


def banking_provider(name: str, *, verification_id: int | None = None) -> BankingProvider | None:
    """The provider, if it verifies bank accounts (Capabilities.banking)."""
    provider = get_provider(name, verification_id=verification_id)
    if provider.capabilities.banking and isinstance(provider, BankingProvider):
        return provider
    return None


def _add_or_adopt(provider: BankingProvider, bank: BankAccount) -> BankSnapshot:
    try:
        return provider.add_bank_account(bank)
    except DuplicateReferenceError:
        adopted = provider.find_bank_account(bank)
        if adopted is None:
            raise  # really in use: by another customer
        holder = BankAccount.objects.exclude(pk=bank.pk).filter(
            provider_bank_id=adopted.provider_bank_id
        )
        suspended = holder.filter(
            verification_id=bank.verification_id, status=BankAccount.State.SUSPENDED
        )
        # The owner's own account, suspended by a KYC reset and added again once verified
        # again: the provider still lists it under this customer, so the new row takes its id
        # over (the suspended row stays, as history). Any other holder: really in use.
        if holder.exclude(pk__in=suspended.values("pk")).exists():
            raise
        for old in suspended:
            BankAccount.objects.filter(pk=old.pk).update(provider_bank_id=None)
            audit_record(
                verification=bank.verification,
                action="bank_readded",
                source="user",
                note=f"{bank.label}: the account suspended at the reset, added again",
            )
        return adopted


def _back_to_queue(bank: BankAccount) -> None:
    BankAccount.objects.filter(pk=bank.pk, status=BankAccount.State.SENDING).update(
        status=BankAccount.State.QUEUED
    )


def _schedule(bank: BankAccount) -> None:
    jobs.after_commit(jobs.SEND_BANK_ACCOUNT, {"bank_id": bank.pk})


def _refuse(bank: BankAccount, exc: PermanentProviderError) -> None:
    with transaction.atomic():
        BankAccount.objects.filter(pk=bank.pk).update(
            status=BankAccount.State.REJECTED, failure_reason=exc.code[:64]
        )
        audit_record(
            verification=bank.verification,
            action="bank_refused",
            source="provider",
            note=f"{bank.label}: {exc.message}",
        )


def bank_apply_status(
    *, bank_id: int, status: str, failure_reason: str = "", source: str, actor: Any = None
) -> bool:
    """Compare-and-set a bank account's status; a decided account never moves back."""
    with transaction.atomic():
        bank = BankAccount.objects.select_for_update().get(pk=bank_id)
        if bank.status == status or bank.status in DECIDED or status not in DECIDED:
            return False
        if bank.status == BankAccount.State.SUSPENDED:
            return False  # a late answer about an account whose owner's KYC was reset
        BankAccount.objects.filter(pk=bank.pk, status=bank.status).update(
            status=status,
            failure_reason=failure_reason if status == BankAccount.State.FAILED else "",
            status_changed_at=timezone.now(),
        )
        audit_record(
            verification=bank.verification,
            action="bank_status_changed",
            source=source,
            actor=actor,
            from_status=bank.status,
            to_status=status,
            note=f"{bank.label} {failure_reason}".strip(),
        )
        template = "bank_verified" if status == BankAccount.State.VERIFIED else "bank_failed"
        email_after_commit(
            verification_id=bank.verification_id,
            template=template,
            bank=bank.label,
            bank_kind=bank.kind,
        )
    return True


def bank_accounts_suspend(*, verification: Verification, source: str, actor: Any = None) -> int:
    """The owner's KYC was reset: every account that is (or may become) usable is suspended,
    so nothing is paid to or from it until the person is verified again and adds it anew.
    Call it inside the reset's transaction; returns how many were suspended."""
    banks = list(
        BankAccount.objects.select_for_update()
        .filter(verification=verification)
        .exclude(status__in=NOT_SUSPENDED)
    )
    for bank in banks:
        BankAccount.objects.filter(pk=bank.pk, status=bank.status).update(
            status=BankAccount.State.SUSPENDED, status_changed_at=timezone.now()
        )
        audit_record(
            verification=verification,
            action="bank_suspended",
            source=source,
            actor=actor,
            from_status=bank.status,
            to_status=BankAccount.State.SUSPENDED,
            note=f"{bank.label}: KYC was reset",
        )
    return len(banks)
