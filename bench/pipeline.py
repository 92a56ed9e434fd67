"""(b) 1,000 submissions from queued to accepted by the DollarPe emulator, 2 worker processes,
beside the drain of 1,000 no-op Celery tasks by the same worker. Also counts lost and
duplicated submissions (the emulator's own request log is the witness)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import redis

from bench import stack
from bench.stats import Figure, Report

N = 1000


def _customers(emulator: Any, n: int) -> list[str]:
    from kyc.providers.dollarpe.client import DollarPeClient
    from kyc.providers.dollarpe.types import NewCustomer

    client = DollarPeClient.from_settings()
    return [
        client.create_customer(
            NewCustomer(
                full_name="Bench Person",
                email=f"b{i}-{uuid.uuid4().hex[:6]}@example.com",
                phone=f"9{i:09d}",
                alpha_3_country_code="IND",
            )
        ).id
        for i in range(n)
    ]


def _verifications(customer_ids: list[str]) -> list[Any]:
    from django.contrib.auth import get_user_model

    from kyc.models import CustomerState, Document, Verification

    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"bench{i}", email=f"b{i}@example.com")
            for i in range(len(customer_ids))
        ]
    )
    verifications = Verification.objects.bulk_create(
        [
            Verification(
                user=user,
                full_name="Bench Person",
                email=user.email,
                phone="+919900000000",
                nationality="IND",
                provider="dollarpe",
                corrections_allowed=3,
                provider_customer_id=cid,
                customer_state=CustomerState.CREATED,
            )
            for user, cid in zip(users, customer_ids, strict=True)
        ]
    )
    # Documents are never fetched (the emulator decides nothing here): keys need not exist.
    Document.objects.bulk_create(
        [
            Document(verification=v, kind=kind, key=f"bench/{v.pk}/{kind}", state="accepted")
            for v in verifications
            for kind in ("document_front", "document_back", "selfie")
        ]
    )
    return verifications


def _payload(verification: Any, i: int) -> dict[str, Any]:
    docs = {d.kind: d.pk for d in verification.documents.all()}
    return {
        "full_name": "Bench Person",
        "phone": "9900000000",
        "full_address": "1 Bench Road",
        "dob": "1990-01-01",
        "tax_number": f"ABCPB{1000 + i:04d}K"[:10],
        "document_type": "AADHAAR",
        "document_number": f"{100000000000 + i}",
        "additional_info": {"income_range": "<10L", "profession": "Tester"},
        "selfie_verification_status": True,
        "documents": docs,
    }


def _drain_noop(n: int) -> float:
    from bench.tasks import COUNTER, noop

    counter = redis.Redis.from_url(stack.REDIS_URL)
    counter.delete(COUNTER)
    started = time.perf_counter()
    for _ in range(n):
        noop.delay()
    stack.wait_until(lambda: int(counter.get(COUNTER) or 0) >= n, limit=600, what="no-op drain")
    return time.perf_counter() - started


def _send_all(verifications: list[Any]) -> float:
    from kyc.models import Submission
    from kyc.services.submissions import submission_create

    payloads = [_payload(v, i) for i, v in enumerate(verifications)]
    started = time.perf_counter()
    for verification, data in zip(verifications, payloads, strict=True):
        submission_create(verification=verification, kind="initial", data=data, actor=None)
    sent = Submission.objects.filter(state=Submission.State.SENT)
    stack.wait_until(
        lambda: sent.count() >= len(verifications), limit=1200, every=0.2, what="submissions"
    )
    return time.perf_counter() - started


def run(report: Report) -> None:
    from kyc.models import Submission

    with stack.emulator(auto_decision=False) as emulator:
        verifications = _verifications(_customers(emulator, N))
        with stack.celery_worker(concurrency=2):
            noop_seconds = _drain_noop(N)
            pipeline_seconds = _send_all(verifications)
        accepted = [
            r
            for r in emulator.requests_log(path="/cms/api/v1/kyc/add-kyc-data")
            if r["status"] == 200
        ]
    per_customer: dict[str, int] = {}
    for entry in accepted:
        per_customer[entry["customer_id"]] = per_customer.get(entry["customer_id"], 0) + 1
    lost = N - Submission.objects.filter(state=Submission.State.SENT).count()
    twice = sum(1 for count in per_customer.values() if count > 1)
    report.add(
        Figure(
            "b. submissions queued->accepted, 2 worker processes",
            N / pipeline_seconds,
            "per s",
            baseline=N / noop_seconds,
            baseline_name="no-op task drain",
            note=f"{N} in {pipeline_seconds:.1f} s; lost {lost}, sent twice {twice}",
        )
    )
    report.details["pipeline"] = {
        "submissions": N,
        "seconds": pipeline_seconds,
        "noop_seconds": noop_seconds,
        "accepted_by_emulator": len(accepted),
        "distinct_customers": len(per_customer),
        "lost": lost,
        "sent_twice": twice,
    }
