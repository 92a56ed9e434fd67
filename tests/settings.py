"""Settings for the test suite: the real services when they answer, embedded defaults otherwise.

Everything is passed through the environment before the project settings are read,
so processes the tests start (Celery workers, the emulators) see the same values.
"""

from __future__ import annotations

import os
import socket
import tempfile

from tests.services import detect

# Sockets holding the ports free_port() handed out, for as long as this process runs.
_RESERVED: list[socket.socket] = []


def free_port() -> int:
    """A port on 127.0.0.1 that stays ours: nothing else is given it until this process ends.

    Releasing a port at once left it free for anyone: an emulator started minutes after its
    port was chosen (the URL is fixed at start-up), or a server started a moment after, could
    find it taken by another run's server or by an outgoing connection. The port stays bound
    here (not listening, so a connection to it is refused), which keeps Linux from handing it
    to bind(0) or to a connect(); with SO_REUSEADDR, the server meant for it (gunicorn,
    werkzeug, redis-server all set it) may still bind and listen on it.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    _RESERVED.append(sock)
    return int(sock.getsockname()[1])


def _worker_index() -> int:
    # pytest-xdist names its workers gw0, gw1...: each gets its own Redis database.
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)


SERVICES = detect()
_env = os.environ
# The pytest process chooses ports, folders and names once; processes it starts (Celery
# workers, the emulators) inherit them through the environment and must agree.
_owner = _env.get("PYTEST_XDIST_WORKER", "main")  # each xdist worker is a run of its own
if _env.get("KYC_TEST_OWNER") != _owner:
    _env["KYC_TEST_OWNER"] = _owner
    _env["KYC_TEST_RUN"] = str(os.getpid())
    _env["KYC_VAR_DIR"] = tempfile.mkdtemp(prefix="kyc-tests-")
    _env["AWS_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    _env["DOLLARPE_BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    _env["REBILLY_BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    _env["QOLO_BASE_URL"] = f"http://127.0.0.1:{free_port()}"
_env["DJANGO_DEBUG"] = "false"
_env["DJANGO_HTTPS"] = "false"
_env["DJANGO_SECRET_KEY"] = "tests-only-secret-key-" + "x" * 40
_env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
if SERVICES.database_url:
    _env["DATABASE_URL"] = SERVICES.database_url
if SERVICES.redis_url:
    base = (
        SERVICES.redis_url.rsplit("/", 1)[0]
        if SERVICES.redis_url.count("/") > 2
        else SERVICES.redis_url
    )
    _env["CELERY_BROKER_URL"] = f"{base}/{1 + _worker_index()}"
# Each run has its own database and queue, so two runs on one machine never share work.
_env["CELERY_TASK_DEFAULT_QUEUE"] = f"kyc-test-{_env['KYC_TEST_RUN']}"
# ... and its own cache keys in the shared Redis (the environment reaches its worker and
# servers too): the webhook refusal counters of one run never limit another's.
_env["CACHE_KEY_PREFIX"] = f"kyc-test-{_env['KYC_TEST_RUN']}"
_env["DOLLARPE_API_KEY"] = "tests-key"
_env["DOLLARPE_API_SECRET"] = "tests-secret"
_env["REBILLY_ORGANIZATION_ID"] = "org-tests"
_env["REBILLY_API_KEY"] = "sk_sandbox_tests"
_env["REBILLY_WEBHOOK_USERNAME"] = "tests-webhooks"
_env["REBILLY_WEBHOOK_PASSWORD"] = "tests-webhook-password"
_env["QOLO_LOGIN_ID"] = "tests-login"
_env["QOLO_API_KEY"] = "tests-api-key"
_env["QOLO_PROGRAM_GUID"] = "3f2b6c1d-8e4a-4b7c-9d0e-1a2b3c4d5e6f"
_env["QOLO_WEBHOOK_SECRET"] = "tests-webhook-secret"
_env["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
# Without debug, start-up refuses the README's sample credentials and the email backends that
# keep emails here (onboarding/samples.py): the suite has its own, and sends nothing out.
_env["AWS_ACCESS_KEY_ID"] = "tests-access-key"
_env["AWS_SECRET_ACCESS_KEY"] = "tests-secret-key"
_env["KYC_TESTS_ALLOW_LOCAL_EMAIL"] = "true"
_env["KYC_BLIND_INDEX_KEYS"] = "tests:tests-blind-index-key-" + "b" * 32
# The sandbox-only features the suite exercises (they default to off without debug).
_env["DOLLARPE_SANDBOX"] = "true"
_env["REBILLY_SANDBOX"] = "true"
_env["QOLO_SANDBOX"] = "true"
# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are safe.
_env["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from onboarding.settings import *  # noqa: E402, F403
from onboarding.settings import DATABASES, VAR_DIR  # noqa: E402 - named for the edits below

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# This run's rate-limit counters, apart from other runs' in the shared Redis (they all come
# from 127.0.0.1): tests/support/limits.py wipes them between tests.
RATELIMIT_CACHE_PREFIX = f"rl:{_env['KYC_TEST_RUN']}:"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: the Celery worker the tests start must see the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_kyc_{_env['KYC_TEST_RUN']}"}
