"""(b) Submissions from queued to accepted by the DollarPe emulator, beside the drain of as many
no-op Celery tasks by the same worker.

Only the send is timed: customers, verifications, documents and the queued submissions are
made in bulk before the window opens, which starts when the first send task is published and
ends when the last submission is SENT. The worker's CPU (its whole process group, from /proc)
is read around each window, so the CPU-ms per submission stands beside the no-op task's. Run
twice: against the emulator as it is, and with 300 ms added to each add-kyc-data, beside the
ideal for that latency (the worker's in-flight slots / the latency). Commits and statements
per send are counted on a sample sent in this process (the task's body, without Celery), and
tasks per submission from the worker's log. Lost and duplicated submissions are counted on
the emulator's own request log.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import redis

from bench import stack
from bench.stats import Figure, Report

N = int(os.environ.get("BENCH_PIPELINE_N", "1000"))  # a smaller run to try the bench out
N_SLOW = max(N // 5, 1)
LATENCY = 0.3  # s per add-kyc-data in the slow run
CONCURRENCY = 2  # prefork processes: provider calls in flight
SAMPLE = 20  # sends counted statement by statement
WARM_UP = 10  # sends before the window: each pool process has loaded, connected, compiled
ADD_KYC = "/cms/api/v1/kyc/add-kyc-data"


def _customers(n: int) -> list[str]:
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


def _queued(customer_ids: list[str], tag: str) -> list[int]:
    """Verifications with their documents and a queued initial submission each, in bulk (no
    task published): the ids of the submissions."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from kyc.models import CustomerState, Document, Submission, Verification

    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"bench-{tag}-{i}", email=f"b{i}-{tag}@example.com")
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
                submitted_at=timezone.now(),
            )
            for user, cid in zip(users, customer_ids, strict=True)
        ]
    )
    # Documents are never fetched (the emulator decides nothing here): keys need not exist.
    documents = Document.objects.bulk_create(
        [
            Document(
                verification=v,
                kind=kind,
                key=f"uploads/bench/{v.pk}/{kind}",
                checked_key=f"checked/bench/{v.pk}/{kind}",
                state=Document.State.ACCEPTED,
            )
            for v in verifications
            for kind in ("document_front", "document_back", "selfie")
        ]
    )
    by_verification: dict[int, dict[str, int]] = {}
    for document in documents:
        by_verification.setdefault(document.verification_id, {})[document.kind] = document.pk
    submissions = Submission.objects.bulk_create(
        [
            Submission(
                verification=v,
                kind=Submission.Kind.INITIAL,
                data=_payload(i, by_verification[v.pk]),
            )
            for i, v in enumerate(verifications)
        ]
    )
    return [s.pk for s in submissions]


def _payload(i: int, documents: dict[str, int]) -> dict[str, Any]:
    return {
        "full_name": "Bench Person",
        "phone": "9900000000",
        "full_address": "1 Bench Road",
        "dob": "1990-01-01",
        "tax_number": f"ABCPB{1000 + i % 9000:04d}K",
        "document_type": "AADHAAR",
        "document_number": f"{100000000000 + i}",
        "additional_info": {"income_range": "<10L", "profession": "Tester"},
        "selfie_verification_status": True,
        "documents": documents,
    }


class Window:
    """Wall time over a with-block; the worker's CPU seconds (its process group) and the tasks
    its log says it received, until it has finished every task it received (the emails the
    last sends published are its work too)."""

    def __init__(self, worker: Any, log: Path) -> None:
        self.worker, self.log = worker, log

    def __enter__(self) -> Window:
        self._received = _received(self.log)
        self._cpu = stack.group_cpu_seconds(self.worker.pid)
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._started
        stack.wait_until(lambda: _idle(self.log), limit=60, what="the worker's last tasks")
        self.cpu = stack.group_cpu_seconds(self.worker.pid) - self._cpu
        self.tasks = _received(self.log) - self._received


def _received(log: Path) -> int:
    return log.read_text(errors="replace").count("] received")


def _idle(log: Path) -> bool:
    text = log.read_text(errors="replace")
    return text.count("] received") <= sum(
        text.count(end) for end in ("] succeeded in", "] raised", "] retry:")
    )


def _drain_noop(worker: Any, log: Path, n: int) -> Window:
    from bench.tasks import COUNTER, noop

    counter = redis.Redis.from_url(stack.REDIS_URL)
    counter.delete(COUNTER)
    with Window(worker, log) as window:
        for _ in range(n):
            noop.delay()
        stack.wait_until(lambda: int(counter.get(COUNTER) or 0) >= n, limit=600, what="no-op drain")
    return window


def _send(worker: Any, log: Path, submission_ids: list[int]) -> Window:
    from kyc import jobs
    from kyc.models import Submission

    sent = Submission.objects.filter(pk__in=submission_ids, state=Submission.State.SENT)
    with Window(worker, log) as window:
        for submission_id in submission_ids:
            jobs.publish(jobs.SEND_SUBMISSION, {"submission_id": submission_id})
        stack.wait_until(
            lambda: sent.count() >= len(submission_ids), limit=1800, every=0.2, what="sends"
        )
    return window


def _witness(emulator: Any, customer_ids: list[str]) -> tuple[int, int]:
    """Per the emulator: submissions accepted for these customers, customers with two."""
    wanted = set(customer_ids)
    counts: dict[str, int] = {}
    for entry in emulator.requests_log(path=ADD_KYC):
        if entry["status"] == 200 and entry.get("customer_id") in wanted:
            counts[entry["customer_id"]] = counts.get(entry["customer_id"], 0) + 1
    return sum(counts.values()), sum(1 for count in counts.values() if count > 1)


def _statements(submission_ids: list[int]) -> dict[str, float]:
    """Statements and commits of one send, sent here: a commit is a COMMIT or a statement
    outside a transaction (autocommit); BEGIN, SAVEPOINT and RELEASE are counted apart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kyc.services.submissions import submission_send

    statements = commits = brackets = 0
    for submission_id in submission_ids:
        with CaptureQueriesContext(connection) as captured:
            submission_send(submission_id=submission_id)
        inside = False
        for query in captured.captured_queries:
            sql = query["sql"].lstrip().upper()
            if sql.startswith("BEGIN"):
                inside, brackets = True, brackets + 1
            elif sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
                brackets += 1  # before ROLLBACK: a ROLLBACK TO SAVEPOINT ends no transaction
            elif sql.startswith(("COMMIT", "ROLLBACK")):
                inside, commits = False, commits + 1
            else:
                statements += 1
                commits += 0 if inside else 1
    n = len(submission_ids)
    return {"statements": statements / n, "commits": commits / n, "brackets": brackets / n}


def _run(report: Report, label: str, n: int, latency: float) -> dict[str, Any]:
    from kyc.models import Submission

    with stack.emulator(auto_decision=False) as emulator:
        customer_ids = _customers(n + SAMPLE + WARM_UP)
        submission_ids = _queued(customer_ids, label)
        timed, sample = submission_ids[:n], submission_ids[n : n + SAMPLE]
        if latency:
            emulator.config(latency_seconds=latency, latency_paths=[ADD_KYC])
        with stack.celery_worker(concurrency=CONCURRENCY) as worker:
            log = stack.worker_log(worker)
            noop = _drain_noop(worker, log, n)
            _send(worker, log, submission_ids[n + SAMPLE :])  # the warm-up
            pipeline = _send(worker, log, timed)
        counted = _statements(sample)
        accepted, twice = _witness(emulator, customer_ids[:n])
    lost = n - Submission.objects.filter(pk__in=timed, state=Submission.State.SENT).count()
    rate = n / pipeline.seconds
    cpu_ms, noop_cpu_ms = 1000 * pipeline.cpu / n, 1000 * noop.cpu / n
    if latency:
        ideal = CONCURRENCY / latency
        report.add(
            Figure(
                f"b. {label}: sends per s, {latency * 1000:.0f} ms add-kyc-data",
                rate,
                "per s",
                baseline=ideal,
                baseline_name=f"ideal, {CONCURRENCY} in flight",
                note=f"{n} in {pipeline.seconds:.1f} s; lost {lost}, sent twice {twice}",
            )
        )
    else:
        report.add(
            Figure(
                f"b. {label}: sends per s, queued->accepted",
                rate,
                "per s",
                baseline=n / noop.seconds,
                baseline_name="no-op task drain",
                note=f"{n} in {pipeline.seconds:.1f} s; lost {lost}, sent twice {twice}",
            )
        )
    report.add(
        Figure(
            f"b. {label}: worker CPU per submission",
            cpu_ms,
            "CPU-ms",
            baseline=noop_cpu_ms,
            baseline_name="no-op task",
            note=f"{pipeline.tasks / n:.2f} tasks per submission",
        )
    )
    return {
        "submissions": n,
        "latency_s": latency,
        "seconds": pipeline.seconds,
        "per_second": rate,
        "ideal_per_second": CONCURRENCY / latency if latency else None,
        "noop_seconds": noop.seconds,
        "worker_cpu_ms_per_submission": cpu_ms,
        "noop_cpu_ms_per_task": noop_cpu_ms,
        "tasks_per_submission": pipeline.tasks / n,
        "statements_per_send": counted["statements"],
        "commits_per_send": counted["commits"],
        "transaction_brackets_per_send": counted["brackets"],
        "accepted_by_emulator": accepted,
        "lost": lost,
        "sent_twice": twice,
    }


def run(report: Report) -> None:
    fast = _run(report, "emulator", N, 0.0)
    slow = _run(report, "slow provider", N_SLOW, LATENCY)
    report.add(
        Figure(
            "b. statements per send",
            fast["statements_per_send"],
            "statements",
            note=f"{fast['commits_per_send']:.1f} commits, "
            f"{fast['transaction_brackets_per_send']:.1f} BEGIN/SAVEPOINT/RELEASE "
            f"(sample of {SAMPLE}, in process)",
        )
    )
    report.details["pipeline"] = fast
    report.details["pipeline_slow_provider"] = slow
