"""A victim whose onboarding is complete, with distinctive values planted everywhere.

The victim is built through the real services against the emulator: profile, three
documents in the private bucket, the KYC submission (tax and document numbers, address),
the provider's decision, a bank account and a UPI ID. Any of `Victim.secrets` showing up
in a response to someone else is a leak.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from kyc.models import BankAccount, Document, Status, Submission, Verification, WebhookEvent
from kyc.services.banks import bank_account_add
from kyc.services.polling import verification_refresh
from kyc.webhooks.intake import webhook_store
from tests.support import builders


@dataclass
class Victim:
    verification: Verification
    submission: Submission
    documents: list[Document]
    banks: list[BankAccount]
    webhook: WebhookEvent
    secrets: list[str] = field(default_factory=list)

    @property
    def user(self) -> Any:
        return self.verification.user


def verified(emulator: Any, *, profile: dict[str, Any], kyc: dict[str, Any]) -> Verification:
    """A customer the emulator verified, with the decision fetched here by a status refresh."""
    verification = builders.customer(**profile)
    submission = builders.sent(builders.queued_submission(verification, **kyc))
    assert submission.state == Submission.State.SENT, submission.last_error
    emulator.decide(builders.customer_id(verification))
    verification_refresh(verification_id=verification.pk, source="system")
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED, verification.failure_reason
    return verification


def make_victim(emulator: Any) -> Victim:
    tag = uuid.uuid4().hex[:8]
    profile = {"full_name": "Zenobia Quartermaine", "email": f"zenobia.{tag}@example.org"}
    kyc = {
        "tax_number": "ZQXPK7319Q",
        "document_number": "739184627315",
        "full_address": "77 Quartermaine Lane, Pune 411001",
    }
    verification = verified(emulator, profile=profile, kyc=kyc)
    account = bank_account_add(
        verification=verification, kind="account", account_number="731946285017", ifsc="HDFC0001234"
    )
    upi = bank_account_add(
        verification=verification, kind="vpa", vpa="zenobia.quartermaine@okicici"
    )
    webhook = webhook_store(
        provider="dollarpe",
        headers={"Content-Type": "application/json"},
        body=b'{"type": "KYC", "id": "%s"}' % builders.customer_id(verification).encode(),
        remote_addr="127.0.0.1",
    )
    documents = list(verification.documents.all())
    secrets = [
        verification.full_name,
        verification.email,
        verification.phone,
        str(verification.client_reference_id),
        builders.customer_id(verification),
        *kyc.values(),
        "731946285017",
        "zenobia.quartermaine@okicici",
        account.label,
        upi.label,
        *(document.key for document in documents),
        *(document.checked_key for document in documents),
    ]
    return Victim(
        verification=verification,
        submission=verification.submissions.get(),
        documents=documents,
        banks=[account, upi],
        webhook=webhook,
        secrets=secrets,
    )


@pytest.fixture
def victim(emulator: Any, db: Any) -> Victim:
    return make_victim(emulator)


def leaks(body: bytes, secrets: list[str]) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    return [secret for secret in secrets if secret and secret in text]
