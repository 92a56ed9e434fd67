"""Fixtures shared by the whole suite: the real services at every boundary we own."""

from __future__ import annotations

import faulthandler
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db.utils import OperationalError

from sandbox.dollarpe.process import EmulatorProcess
from sandbox.qolo.process import QoloEmulatorProcess
from sandbox.rebilly.process import RebillyEmulatorProcess
from sandbox.s3 import S3Server, create_private_bucket
from tests.settings import SERVICES
from tests.support import emails, processes
from tests.support.builders import register_webhook_url
from tests.support.limits import clear_rate_limits
from tests.support.waiting import wait_for


@pytest.fixture(autouse=True)
def fresh_webhook_limits() -> None:
    """No refused webhook request counted yet (kyc/webhooks/limits.py): the suite posts
    many from 127.0.0.1, and each test's answers must not depend on the ones before."""
    options = settings.CACHES["default"]
    if "KEY_PREFIX" not in options:  # the folder cache of a run without Redis: its own folder
        cache.clear()
        return
    client = redis.Redis.from_url(options["LOCATION"])
    keys = list(client.scan_iter(match=f"{options['KEY_PREFIX']}:*:webhook-invalid:*"))
    if keys:
        client.delete(*keys)
    client.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    lines = [
        f"database: {engine} ({database.get('HOST') or database['NAME']})",
        f"broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]}",
        f"browser: {SERVICES.chromium or 'none'}",
    ]
    return lines + [f"fallback: {note}" for note in SERVICES.notes]


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Every test starts with no login failure, sign-up or upload counted: the suite logs in
    and uploads far more often than a person would."""
    clear_rate_limits()


@pytest.fixture(scope="session", autouse=True)
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server over HTTP on the port the test settings chose, with the private bucket,
    checking POST upload policies and presigned GETs as S3 does (sandbox/s3_policy.py)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    endpoint = settings.AWS_S3_ENDPOINT_URL
    parts = urlsplit(endpoint)
    secrets = {settings.AWS_ACCESS_KEY_ID: settings.AWS_SECRET_ACCESS_KEY}
    server = S3Server(parts.hostname or "127.0.0.1", parts.port or 9100, secrets)
    server.start()
    create_private_bucket(
        endpoint, settings.AWS_STORAGE_BUCKET_NAME, settings.AWS_S3_REGION_NAME, origins=[]
    )
    yield server
    server.stop()


# What every emulator the tests share is given on a loaded machine (2 cores, several runs):
# time to start, and time for our answer to a webhook before it counts it as a timeout and
# delivers again (its own default is 5 s; a late 200 then left a redelivery behind).
PATIENT: dict[str, Any] = {"startup_timeout": 60, "webhook_timeout": 30}


@pytest.fixture(scope="session")
def dollarpe_emulator() -> Iterator[EmulatorProcess]:
    """The DollarPe emulator as a real process, on the port the test settings chose."""
    port = urlsplit(settings.DOLLARPE_BASE_URL).port
    orgs = [
        (settings.DOLLARPE_API_KEY, settings.DOLLARPE_API_SECRET),
        ("other-org", "other-secret"),
    ]
    fast: dict[str, Any] = {
        "decision_delay": 0.2,
        "bank_decision_delay": 0.2,
        "webhook_retry_delays": "0.2,0.5,1",
    }
    with EmulatorProcess(port=port, orgs=orgs, **fast, **PATIENT) as emulator:
        yield emulator


@pytest.fixture
def emulator(dollarpe_emulator: EmulatorProcess) -> Iterator[EmulatorProcess]:
    """The emulator with empty state and its start-up configuration."""
    dollarpe_emulator.reset()
    yield dollarpe_emulator
    dollarpe_emulator.reset()


@pytest.fixture(scope="session")
def rebilly_emulator() -> Iterator[RebillyEmulatorProcess]:
    """The Rebilly emulator as a real process, on the port the test settings chose."""
    port = urlsplit(settings.REBILLY_BASE_URL).port
    orgs = [(settings.REBILLY_ORGANIZATION_ID, settings.REBILLY_API_KEY)]
    fast: dict[str, Any] = {"decision_delay": 0.2, "webhook_retry_delays": "0.2,0.5,1"}
    with RebillyEmulatorProcess(port=port, orgs=orgs, **fast, **PATIENT) as process:
        yield process


@pytest.fixture
def rebilly(rebilly_emulator: RebillyEmulatorProcess, settings: Any) -> Iterator[Any]:
    """Rebilly enabled and the default provider, its emulator wiped for the test."""
    settings.KYC_PROVIDERS = ["dollarpe", "rebilly"]
    settings.KYC_DEFAULT_PROVIDER = "rebilly"
    rebilly_emulator.reset(config=True)
    yield rebilly_emulator
    rebilly_emulator.reset(config=True)


@pytest.fixture(scope="session")
def qolo_emulator() -> Iterator[QoloEmulatorProcess]:
    """The Qolo emulator as a real process, on the port the test settings chose."""
    port = urlsplit(settings.QOLO_BASE_URL).port
    logins = [(settings.QOLO_LOGIN_ID, settings.QOLO_API_KEY)]
    programs = [(settings.QOLO_PROGRAM_GUID, "CDD")]
    fast: dict[str, Any] = {"webhook_retry_delays": "0.2,0.4,0.6,0.8,1,1.2"}
    with QoloEmulatorProcess(
        port=port, logins=logins, programs=programs, **fast, **PATIENT
    ) as process:
        yield process


@pytest.fixture
def qolo(qolo_emulator: QoloEmulatorProcess, settings: Any) -> Iterator[Any]:
    """Qolo enabled and the default provider, its emulator wiped for the test; no token
    left in the cache from an earlier test."""
    from django.core.cache import cache

    from kyc.providers.qolo.client import QoloClient

    settings.KYC_PROVIDERS = ["dollarpe", "qolo"]
    settings.KYC_DEFAULT_PROVIDER = "qolo"
    qolo_emulator.reset(config=True)
    cache.delete(QoloClient.from_settings().cache_key)
    yield qolo_emulator
    qolo_emulator.reset(config=True)


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process (2 pool processes) on this run's queue and database.

    Tests using it need committed data: mark them django_db(transaction=True).
    """
    with django_db_blocker.unblock():
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onboarding.settings"}
        env["DATABASE_URL"] = processes.database_url()
    # What it sends is written to files the tests read (tests/support/emails.py).
    env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    env["EMAIL_FILE_PATH"] = str(emails.folder())
    log_path = Path(settings.VAR_DIR) / f"celery-worker-{os.getpid()}.log"
    command = [sys.executable, "-m", "celery", "-A", "onboarding", "worker", "--loglevel", "INFO"]
    command += ["--concurrency", "2", "--queues", settings.CELERY_TASK_DEFAULT_QUEUE]
    command += ["--without-mingle", "--without-gossip", "--hostname", f"tests-{os.getpid()}@%h"]
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(log_path.read_text, lambda text: " ready." in text or worker.poll() is not None)
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited:\n{log_path.read_text()}")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture
def hook_url(live_server: Any, emulator: EmulatorProcess) -> str:
    """Our intake on the live server, where the emulator delivers its webhooks."""
    return register_webhook_url(live_server.url)


@pytest.fixture
def private_queue() -> Iterator[str]:
    """A queue only this test's workers consume: what the test enqueues goes nowhere else."""
    with processes.private_queue() as name:
        yield name


@pytest.fixture
def start_worker(
    private_queue: str, transactional_db: Any
) -> Iterator[Callable[..., processes.Worker]]:
    """Start workers on the private queue; every one still running is stopped afterwards."""
    workers: list[processes.Worker] = []

    def start(**options: Any) -> processes.Worker:
        name = f"private-{os.getpid()}-{len(workers)}"
        log_path = Path(settings.VAR_DIR) / f"celery-{name}.log"
        worker = processes.Worker(queue=private_queue, log_path=log_path, **options)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


# Once pytest is done it turns its faulthandler off: turned on again here (last), a crash while
# the interpreter shuts down still prints every thread's stack. One did, now and then (SIGSEGV
# after "N passed": pydantic-core's TzInfo, see kyc/providers/moments.py).
@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if sys.__stderr__ is not None:
        faulthandler.enable(file=sys.__stderr__, all_threads=True)


BUSY_SESSIONS = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND backend_type = 'client backend'
  AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
"""


def _truncate_again_after_a_deadlock(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """The flush's TRUNCATE, retried when PostgreSQL chose it as a deadlock's victim (the
    other side, a worker's transaction that began during the flush, then ends)."""
    if not sql.lstrip().upper().startswith("TRUNCATE"):
        return execute(sql, params, many, context)
    for attempt in range(5):
        execute("SAVEPOINT kyc_truncate", None, False, context)
        try:
            result = execute(sql, params, many, context)
        except OperationalError as error:
            if "deadlock detected" not in str(error) or attempt == 4:
                raise
            execute("ROLLBACK TO SAVEPOINT kyc_truncate", None, False, context)
            continue
        execute("RELEASE SAVEPOINT kyc_truncate", None, False, context)
        return result
    raise AssertionError("unreachable")


def _truncate_once_others_are_done(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """The flush's TRUNCATE waits (up to 30 s) until no other session (the worker finishing
    a task of the test, the live server answering a last poll) is inside a transaction, then
    goes with its retry: meeting one mid-transaction, it deadlocked now and then under load
    (1 in 12 loaded runs of the browser suite)."""
    if not sql.lstrip().upper().startswith("TRUNCATE"):
        return execute(sql, params, many, context)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        execute(BUSY_SESSIONS, None, False, context)
        if not int(context["cursor"].fetchone()[0]):
            break
        time.sleep(0.05)
    return _truncate_again_after_a_deadlock(execute, sql, params, many, context)


@pytest.fixture(autouse=True)
def flush_once_others_are_done(request: pytest.FixtureRequest) -> None:
    """Every transactional test's flush goes through _truncate_once_others_are_done. Put in
    place before the test (it touches no database): the flush is transactional_db's teardown,
    and an autouse fixture's own teardown runs only after it, with the database locked again.
    A test marked flush_as_is gets the plain flush (tests/faults/test_flush_deadlock.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    wrappers = connection.execute_wrappers
    wanted = request.node.get_closest_marker("flush_as_is") is None
    if wanted and _truncate_once_others_are_done not in wrappers:
        wrappers.append(_truncate_once_others_are_done)
    elif not wanted and _truncate_once_others_are_done in wrappers:
        wrappers.remove(_truncate_once_others_are_done)
