"""The real stack a benchmark runs against: PostgreSQL, Redis, S3 (moto), the DollarPe
emulator, Celery workers and gunicorn, all on this machine, started and stopped here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "kyc_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
QUEUE = "kyc-bench"
last_process: subprocess.Popen[bytes] | None = None  # the newest stack process, for /proc
_worker_logs: dict[int, Path] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(probe: Any, *, limit: float = 60.0, every: float = 0.05, what: str = "") -> None:
    deadline = time.monotonic() + limit
    while not probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what or probe}")
        time.sleep(every)


def _fresh_database() -> str:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return ADMIN_DSN.rsplit("/", 1)[0] + f"/{DB_NAME}"


def configure_environment() -> dict[str, str]:
    """Environment for this process and every process it starts."""
    var_dir = tempfile.mkdtemp(prefix="kyc-bench-")
    env = {
        "DJANGO_SETTINGS_MODULE": "onboarding.settings",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": _fresh_database(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "DOLLARPE_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "DOLLARPE_API_KEY": "bench-key",
        "DOLLARPE_API_SECRET": "bench-secret",
        "AWS_ACCESS_KEY_ID": "bench-access-key",
        "AWS_SECRET_ACCESS_KEY": "bench-secret-key",
        "KYC_BLIND_INDEX_KEYS": "bench:bench-blind-index-key-" + "b" * 32,
        # Without debug, start-up refuses a backend that sends nothing unless told it is meant.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "KYC_TESTS_ALLOW_LOCAL_EMAIL": "true",
        "KYC_VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    redis.Redis.from_url(REDIS_URL).flushdb()
    return env


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


@contextmanager
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from sandbox.s3 import create_private_bucket

    endpoint = os.environ["AWS_S3_ENDPOINT_URL"]
    port = int(endpoint.rsplit(":", 1)[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    create_private_bucket(endpoint, "kyc-documents", "us-east-1", origins=[])
    try:
        yield endpoint
    finally:
        server.stop()


@contextmanager
def emulator(**options: Any) -> Iterator[Any]:
    from sandbox.dollarpe.process import EmulatorProcess

    port = int(os.environ["DOLLARPE_BASE_URL"].rsplit(":", 1)[1])
    orgs = [(os.environ["DOLLARPE_API_KEY"], os.environ["DOLLARPE_API_SECRET"])]
    with EmulatorProcess(port=port, orgs=orgs, log_level="WARNING", **options) as process:
        yield process


@contextmanager
def process(
    command: list[str], *, ready: Any, name: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A subprocess of the stack, in its own process group, stopped (all of it) on exit."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    global last_process
    last_process = proc
    try:
        wait_until(lambda: proc.poll() is not None or ready(), limit=60, what=name)
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log.read_text()[-3000:]}")
        yield proc
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def log_path(name: str) -> Path:
    return Path(os.environ["KYC_VAR_DIR"]) / f"{name}.log"


@contextmanager
def celery_worker(
    concurrency: int = 2, include: str = "bench.tasks"
) -> Iterator[subprocess.Popen[bytes]]:
    log = log_path(f"worker-{time.monotonic_ns()}")
    command = [sys.executable, "-m", "celery", "-A", "onboarding", "worker", "--loglevel", "INFO"]
    command += ["--concurrency", str(concurrency), "--queues", QUEUE, "--include", include]
    command += ["--without-mingle", "--without-gossip", "--prefetch-multiplier", "4"]
    with process(
        command, ready=lambda: " ready." in log.read_text(), name="worker", log=log
    ) as proc:
        _worker_logs[proc.pid] = log
        yield proc


def worker_log(worker: subprocess.Popen[bytes]) -> Path:
    """The log a worker of celery_worker() writes (INFO: a line per task received)."""
    return _worker_logs[worker.pid]


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in the process group `pgid` (a stack
    process and its children: start_new_session made it their group's leader), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        # After the command: state, ppid, pgrp, ... utime is field 14 of stat, stime 15.
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _answers(url: str) -> bool:
    import requests

    try:
        return requests.get(url, timeout=1).status_code < 500
    except requests.RequestException:
        return False


@contextmanager
def gunicorn(workers: int = 4, threads: int = 1) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "onboarding.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads), "--access-logfile", "-"]
    command += ["--log-level", "warning"]
    with process(
        command,
        ready=lambda: _answers(base + "/healthz"),
        name="gunicorn",
        log=log_path("gunicorn"),
    ):
        yield base
