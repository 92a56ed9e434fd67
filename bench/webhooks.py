"""(a) webhook intake under load (wrk, 16 connections, gunicorn) beside a bare Django view
doing one INSERT on the same stack; (c) time from a webhook's arrival to the new status
being visible to the user, beside a no-op Celery task's round trip."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis
import requests

from bench import stack
from bench.stats import Figure, Report, percentile, summary_ms

CONNECTIONS, THREADS, DURATION = 16, 2, "15s"
DELIVERIES = 60_000  # distinct signed deliveries: more than wrk sends in DURATION
LUA = """
-- Each wrk thread walks its own slice of the lines: no two requests repeat a delivery.
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
local lines, n, i = {}, 0, 0
function init(args)
  for line in io.lines(args[1]) do n = n + 1; lines[n] = line end
  i = id * math.floor(n / tonumber(args[2]))
end
function request()
  i = i % n + 1
  local ts, sig, body = lines[i]:match("([^\\t]*)\\t([^\\t]*)\\t(.*)")
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
    ["X-TIMESTAMP"] = ts, ["X-SIGNATURE"] = sig}, body)
end
"""


def _signed(event: dict[str, Any], ts: int) -> tuple[str, str, str]:
    from kyc.providers.dollarpe.signing import canonical_json, signature

    body = canonical_json(event, "compact")
    key, secret = os.environ["DOLLARPE_API_KEY"], os.environ["DOLLARPE_API_SECRET"]
    return str(ts), signature(key, secret, str(ts), body), body


def _event(customer_id: str, event: str = "VERIFIED") -> dict[str, Any]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {
        "type": "CUSTOMER",
        "id": customer_id,
        "event": event,
        "timestamp": stamp,
        "metadata": {},
    }


def _requests_file(count: int) -> Path:
    """Distinct signed deliveries (unknown customers: the intake path is what is measured)."""
    path = Path(tempfile.mkstemp(suffix=".tsv")[1])
    now = int(time.time())
    lines = ("\t".join(_signed(_event(str(uuid.uuid4())), now)) for _ in range(count))
    path.write_text("\n".join(lines) + "\n")
    return path


def _wrk(url: str, lines: Path | None) -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(LUA)
    command = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", DURATION, "--latency"]
    command += ["-s", str(script), url, "--", str(lines or _baseline_lines()), str(THREADS)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    return _parse_wrk(out)


def _baseline_lines() -> Path:
    path = Path(tempfile.mkstemp(suffix=".tsv")[1])
    path.write_text("\n".join(f'0\t0\t{{"n": {i}}}' for i in range(1000)) + "\n")
    return path


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _parse_wrk(out: str) -> dict[str, float]:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {p: _ms(re.search(rf"\s{p}%\s+(\S+)", out).group(1)) for p in ("50", "99")}  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rate,
        "p50": latency["50"],
        "p99": latency["99"],
        "non_2xx": float(non_2xx.group(1)) if non_2xx else 0,
    }


def _baseline_table() -> None:
    from django.db import connection

    from bench.urls import BASELINE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} (id bigserial PRIMARY KEY, body text)"
        )


def intake(report: Report) -> None:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does it)")
    _baseline_table()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    try:
        with stack.gunicorn(workers=4) as base:
            baseline = _wrk(base + "/bench/baseline/", None)
            webhook = _wrk(base + "/webhooks/dollarpe/", _requests_file(DELIVERIES))
    finally:
        os.environ["DJANGO_SETTINGS_MODULE"] = "onboarding.settings"
    from kyc.models import WebhookEvent

    duplicates = WebhookEvent.objects.filter(state=WebhookEvent.State.DUPLICATE).count()
    note = (
        f"{CONNECTIONS} connections, gunicorn 4 workers, non-2xx {int(webhook['non_2xx'])}, "
        f"{duplicates} duplicate deliveries"
    )
    report.add(
        Figure(
            "a. webhook intake throughput",
            webhook["rps"],
            "req/s",
            baseline["rps"],
            "bare INSERT view",
            note,
        )
    )
    report.add(
        Figure(
            "a. webhook intake p50 latency",
            webhook["p50"],
            "ms",
            baseline["p50"],
            "bare INSERT view",
        )
    )
    report.add(
        Figure(
            "a. webhook intake p99 latency",
            webhook["p99"],
            "ms",
            baseline["p99"],
            "bare INSERT view",
            "target < 100 ms",
        )
    )
    report.details["intake"] = {"webhook": webhook, "baseline": baseline}


def _processing_verifications(n: int) -> list[Any]:
    from django.contrib.auth import get_user_model

    from kyc.models import CustomerState, Status, Verification

    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"visible{i}-{uuid.uuid4().hex[:6]}") for i in range(n)]
    )
    return Verification.objects.bulk_create(
        [
            Verification(
                user=u,
                full_name="Bench",
                email="b@example.com",
                phone="+919900000000",
                nationality="IND",
                provider="dollarpe",
                corrections_allowed=3,
                provider_customer_id=str(uuid.uuid4()),
                customer_state=CustomerState.CREATED,
                status=Status.PROCESSING,
            )
            for u in users
        ]
    )


def _visible_after(base: str, verification: Any) -> float:
    from kyc.models import Verification

    ts, sig, body = _signed(_event(verification.provider_customer_id), int(time.time()))
    started = time.perf_counter()
    response = requests.post(
        base + "/webhooks/dollarpe/",
        data=body,
        headers={"Content-Type": "application/json", "X-TIMESTAMP": ts, "X-SIGNATURE": sig},
        timeout=10,
    )
    response.raise_for_status()
    row = Verification.objects.filter(pk=verification.pk, status="VERIFIED")
    stack.wait_until(row.exists, limit=30, every=0.002, what="status visible")
    return time.perf_counter() - started


def _noop_round_trip() -> float:
    from bench.tasks import COUNTER, noop

    counter = redis.Redis.from_url(stack.REDIS_URL)
    before = int(counter.get(COUNTER) or 0)
    started = time.perf_counter()
    noop.delay()
    stack.wait_until(lambda: int(counter.get(COUNTER) or 0) > before, limit=30, every=0.002)
    return time.perf_counter() - started


def visibility(report: Report, samples: int = 200) -> None:
    # The intake run left thousands of deliveries (of unknown customers) queued, and a drain
    # task to process them: measure on an empty queue.
    from kyc.models import WebhookEvent

    redis.Redis.from_url(stack.REDIS_URL).flushdb()
    WebhookEvent.objects.filter(state=WebhookEvent.State.QUEUED).delete()
    verifications = _processing_verifications(samples)
    with stack.gunicorn(workers=2) as base, stack.celery_worker(concurrency=2):
        baseline = [_noop_round_trip() for _ in range(samples)]
        measured = [_visible_after(base, v) for v in verifications]
    for q in (50, 95):
        report.add(
            Figure(
                f"c. webhook arrival -> status visible, p{q}",
                percentile(measured, q) * 1000,
                "ms",
                percentile(baseline, q) * 1000,
                "no-op task round trip",
            )
        )
    report.details["visibility"] = {"webhook": summary_ms(measured), "noop": summary_ms(baseline)}


def run(report: Report) -> None:
    intake(report)
    visibility(report)
