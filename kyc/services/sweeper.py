"""The sweeper: work that should be moving and is not gets going again.

Celery acknowledges tasks late, so a worker killed mid-task normally hands its task
back; but a broker message can still be lost (a broker restart, a purge, a task that
exhausted its retries), and a worker killed in the middle of a provider call leaves a
submission "sending". The sweeper finds both and queues them again:

- submissions, bank accounts, customers and webhook deliveries queued for longer than
  KYC_SWEEP_QUEUED_AFTER with no provider call for the customer since (a live retry
  chain calls the provider at least every 600 s, so it is never doubled);
- submissions "sending" for longer than KYC_SWEEP_SENDING_AFTER: put back to queued by
  compare-and-set, then sent. submission_send asks the provider whether an earlier
  attempt got through before it sends again, so a submission is still sent at most once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kyc import jobs
from kyc.models import (
    AuditEvent,
    BankAccount,
    CustomerState,
    ProviderCall,
    Submission,
    Verification,
    WebhookEvent,
)
from kyc.services.audit import audit_record

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500  # per kind and run; the next run takes the rest


@dataclass(frozen=True)
class SweepReport:
    """The ids each part of one run queued again."""

    submissions_queued: list[int] = field(default_factory=list)
    submissions_put_back: list[int] = field(default_factory=list)
    bank_accounts: list[int] = field(default_factory=list)
    bank_accounts_put_back: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    webhooks: list[int] = field(default_factory=list)

    def total(self) -> int:
        return sum(
            len(ids)
            for ids in (
                self.submissions_queued,
                self.submissions_put_back,
                self.bank_accounts,
                self.bank_accounts_put_back,
                self.customers,
                self.webhooks,
            )
        )


def sweep_run(*, now: datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    quiet = now - timedelta(seconds=settings.KYC_SWEEP_QUEUED_AFTER)
    stuck_since = now - timedelta(seconds=settings.KYC_SWEEP_SENDING_AFTER)
    # Queued work first: a submission put back below is queued by that step itself.
    report = SweepReport(
        submissions_queued=submissions_requeue(quiet=quiet),
        bank_accounts=bank_accounts_requeue(quiet=quiet),
        customers=customers_requeue(quiet=quiet),
        webhooks=webhooks_requeue(quiet=quiet),
        submissions_put_back=submissions_put_back(stuck_since=stuck_since),
        bank_accounts_put_back=bank_accounts_put_back(stuck_since=stuck_since),
    )
    if report.total():
        logger.info("sweeper queued again: %s", report)
    return report


def _silent_since(quiet: datetime, customer: str = "verification") -> Any:
    """No provider call for the customer since `quiet`: no retry chain is alive for it."""
    recent = ProviderCall.objects.filter(verification_id=OuterRef(customer), created_at__gt=quiet)
    return ~Exists(recent)


def submissions_requeue(*, quiet: datetime) -> list[int]:
    """Queued submissions whose broker message was lost: queue them again."""
    ids = _ids(
        Submission.objects.filter(
            _silent_since(quiet), state=Submission.State.QUEUED, created_at__lte=quiet
        )
    )
    for submission_id in ids:
        jobs.after_commit(jobs.SEND_SUBMISSION, {"submission_id": submission_id})
    return ids


def submissions_put_back(*, stuck_since: datetime) -> list[int]:
    """Submissions left "sending" by a worker that died: back to queued, then sent."""
    stuck = Submission.objects.filter(
        Q(sending_since__lte=stuck_since)
        | Q(sending_since__isnull=True, created_at__lte=stuck_since),
        state=Submission.State.SENDING,
    ).select_related("verification")
    return [s.pk for s in stuck.order_by("pk")[:SWEEP_BATCH] if _put_back(s)]


def _put_back(submission: Submission) -> bool:
    with transaction.atomic():
        moved = Submission.objects.filter(
            pk=submission.pk,
            state=Submission.State.SENDING,
            sending_since=submission.sending_since,
        ).update(
            state=Submission.State.QUEUED,
            sending_since=None,
            last_error="put back by the sweeper: the worker stopped while sending",
        )
        if not moved:
            return False  # it finished, or another sweeper took it
        audit_record(
            verification=submission.verification,
            action="submission_put_back",
            source=AuditEvent.Source.SYSTEM,
            note=f"{submission.get_kind_display()}: sending since {submission.sending_since}",
        )
        jobs.after_commit(jobs.SEND_SUBMISSION, {"submission_id": submission.pk})
    return True


def bank_accounts_requeue(*, quiet: datetime) -> list[int]:
    ids = _ids(
        BankAccount.objects.filter(
            _silent_since(quiet), status=BankAccount.State.QUEUED, created_at__lte=quiet
        )
    )
    for bank_id in ids:
        jobs.after_commit(jobs.SEND_BANK_ACCOUNT, {"bank_id": bank_id})
    return ids


def bank_accounts_put_back(*, stuck_since: datetime) -> list[int]:
    """Accounts left "sending" by a worker that died: back to queued, then sent again
    (bank_account_send adopts the account if the lost attempt had reached the provider)."""
    ids = _ids(
        BankAccount.objects.filter(
            status=BankAccount.State.SENDING, status_changed_at__lte=stuck_since
        )
    )
    moved = [
        bank_id
        for bank_id in ids
        if BankAccount.objects.filter(pk=bank_id, status=BankAccount.State.SENDING).update(
            status=BankAccount.State.QUEUED
        )
    ]
    for bank_id in moved:
        jobs.after_commit(jobs.SEND_BANK_ACCOUNT, {"bank_id": bank_id})
    return moved


def customers_requeue(*, quiet: datetime) -> list[int]:
    """Profiles saved but never created at the provider (a lost create_customer task)."""
    ids = _ids(
        Verification.objects.filter(
            _silent_since(quiet, customer="pk"),
            customer_state=CustomerState.PENDING,
            updated_at__lte=quiet,
        )
    )
    for verification_id in ids:
        jobs.after_commit(jobs.CREATE_CUSTOMER, {"verification_id": verification_id})
    return ids


def webhooks_requeue(*, quiet: datetime) -> list[int]:
    """Verified deliveries whose processing task was lost (processing is idempotent)."""
    ids = _ids(WebhookEvent.objects.filter(state=WebhookEvent.State.QUEUED, received_at__lte=quiet))
    for event_id in ids:
        jobs.after_commit(jobs.PROCESS_WEBHOOK, {"event_id": event_id})
    return ids


def _ids(rows: QuerySet[Any]) -> list[int]:
    return list(rows.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
