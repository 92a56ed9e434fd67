"""Identity numbers, secrets, signatures and passwords never reach a log line.

A whole journey runs with logging at DEBUG: sign-up and log-in, the profile, three
uploads by presigned POST, the KYC form, its submission sent by a real worker through a
provider error and a retry, the provider's webhooks, then a bank account (sent by the
worker after the provider failed the page's attempt) and a UPI ID (refused once as a
duplicate). The test process captures every record at DEBUG (pytest's caplog on the
root logger, every logger opened to DEBUG except the libraries the product's LOGGING
deliberately keeps quiet, which is part of what is tested); the worker runs with
`--loglevel DEBUG` and LOG_LEVEL=DEBUG and writes its own log file. Records of the S3
emulator serving in this process (moto, werkzeug) are not the product's and are left out.
"""

from __future__ import annotations

import io
import logging
import random
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kyc.models import BankAccount, ProviderCall, Status, Submission, Verification
from onboarding.logs import PhoneTokensHidden
from sandbox.s3 import S3Server
from tests.support import builders, emails, images
from tests.support.processes import Worker, private_queue
from tests.support.waiting import wait_for

PASSWORD = "Quill-" + uuid.uuid4().hex[:10] + "-pw!"
TAX_NUMBER = "LQGPK4827Q"
DOCUMENT_NUMBER_TYPED, DOCUMENT_NUMBER = "3921 8475 6127", "392184756127"
ACCOUNT_NUMBER, IFSC = "602918374651", "HDFC0001234"
VPA = f"quill.{uuid.uuid4().hex[:6]}@okhdfc"
# The worker's own key pair, which the S3 server trusts too (it checks presigned URLs' signatures).
WORKER_AWS_KEY = "worker-aws-key-" + uuid.uuid4().hex[:8]
WORKER_AWS_SECRET = "worker-aws-secret-" + uuid.uuid4().hex
# The S3 emulator serving in this process: not the product's logs.
EMULATOR_LOGGERS = ("moto", "werkzeug", "flask_cors", "sandbox")
# A presigned URL's or POST's signature, and a CSRF token (64 characters) by its name.
PATTERNS = re.compile(r"x-amz-signature|csrf_?token\b.{0,40}?[A-Za-z0-9]{64}", re.IGNORECASE)


@pytest.fixture
def debug_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, but the ones the product's settings keep quiet on purpose."""
    logging_config: dict[str, Any] = settings.LOGGING
    configured: dict[str, Any] = logging_config.get("loggers", {})
    quiet = (*configured, *EMULATOR_LOGGERS)
    opened = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and not name.startswith(quiet):
            opened.append((logger, logger.level))
            logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        yield caplog
    finally:
        for logger, level in opened:
            logger.setLevel(level)


@pytest.fixture
def worker(transactional_db: Any, s3_server: S3Server) -> Iterator[Worker]:
    s3_server.trust(WORKER_AWS_KEY, WORKER_AWS_SECRET)
    with private_queue() as queue:
        log_path = Path(settings.VAR_DIR) / f"celery-logs-{uuid.uuid4().hex[:6]}.log"
        process = Worker(
            queue=queue,
            log_path=log_path,
            loglevel="DEBUG",
            LOG_LEVEL="DEBUG",
            KYC_RETRY_BACKOFF="1",
            AWS_ACCESS_KEY_ID=WORKER_AWS_KEY,
            AWS_SECRET_ACCESS_KEY=WORKER_AWS_SECRET,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(emails.folder()),  # the sign-up link is read from there
        )
        try:
            yield process
        finally:
            process.stop()


def _journey_to_submission(
    client: Client, emulator: Any, email: str, signatures: list[str]
) -> Verification:
    signup = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("onboarding:signup"), signup).status_code == 302
    confirm = emails.signup_link(email)  # sent by the worker
    signatures.append(confirm.split("/")[-2])  # the link's token: it logs one in
    signatures.append(email)  # not in the task's arguments either (sealed with the token)
    assert client.post(confirm)["Location"] == reverse("onboarding:profile")
    client.post(reverse("onboarding:logout"))
    login = {"username": email, "password": PASSWORD}
    assert client.post(reverse("onboarding:login"), login).status_code == 302
    profile = {
        "full_name": "Quill Logger",
        "email": email,
        "phone": "+91 9" + "".join(random.choice("123456789") for _ in range(9)),
        "nationality": "IND",
        "residence_country": "",
    }
    response = client.post(reverse("onboarding:profile"), profile)
    assert response["Location"] == reverse("onboarding:uploads"), response.content
    for kind in ("document_front", "document_back", "selfie"):
        signatures.append(_upload(client, kind))
    assert client.get(reverse("onboarding:kyc")).status_code == 200  # caches the form
    emulator.config(fault_rate=1.0, fault_modes=["500"])  # the provider fails the worker
    details = {
        "address_line1": "12 MG Road",
        "city": "Bengaluru",
        "postal_code": "560001",
        "address_country": "IND",
        "dob": "1990-04-01",
        "tax_number": TAX_NUMBER,
        "document_type": "AADHAAR",
        "document_number": DOCUMENT_NUMBER_TYPED,
        "info_0": "5-10L",
        "info_1": "Engineer",
    }
    assert client.post(reverse("onboarding:kyc"), details)["Location"] == reverse(
        "onboarding:status"
    )
    return Verification.objects.get(email=email)


def _upload(client: Client, kind: str) -> str:
    """The browser's path: a presigned POST, the file to the bucket, the server's check."""
    content_type = "image/png" if kind == "document_back" else "image/jpeg"
    asked = {"kind": kind, "content_type": content_type}
    ticket = client.post(reverse("onboarding:presign"), asked).json()
    content = images.png() if kind == "document_back" else images.jpeg()
    files = {"file": ("photo", content, content_type)}
    stored = requests.post(ticket["url"], data=ticket["fields"], files=files, timeout=10)
    assert stored.status_code in (200, 201, 204)
    checked = client.post(reverse("onboarding:check", args=[ticket["document"]])).json()
    assert checked["accepted"], checked
    return str(ticket["fields"]["x-amz-signature"])


def _bank_accounts(client: Client, emulator: Any, verification: Verification) -> None:
    emulator.config(fault_rate=1.0, fault_modes=["500"])  # the page's attempt fails
    account = {"kind": "account", "account_number": ACCOUNT_NUMBER, "ifsc": IFSC}
    assert client.post(reverse("onboarding:bank"), account).status_code == 302
    emulator.config(fault_rate=0.0)  # the worker's retry gets through
    assert client.post(reverse("onboarding:bank"), {"kind": "vpa", "vpa": VPA}).status_code == 302
    refused = client.post(reverse("onboarding:bank"), {"kind": "vpa", "vpa": VPA}, follow=True)
    # Already registered: the provider's refusal, shown on a GET (POST-redirect-GET).
    assert refused.redirect_chain == [(reverse("onboarding:bank"), 303)]
    assert "This UPI ID is already registered." in refused.content.decode()
    banks = BankAccount.objects.filter(verification=verification)
    wait_for(
        lambda: sorted(banks.values_list("status", flat=True)),
        lambda found: found.count(BankAccount.State.VERIFIED) == 2,
        limit=60,
    )


def _leaks(text: str, secrets: list[str]) -> list[str]:
    found = [secret for secret in secrets if secret in text]
    return found + PATTERNS.findall(text)[:1]


@pytest.mark.django_db(transaction=True)
def test_no_identity_number_secret_signature_or_password_is_ever_logged(
    client: Client,
    emulator: Any,
    live_server: Any,
    worker: Worker,
    debug_logging: pytest.LogCaptureFixture,
) -> None:
    builders.register_webhook_url(live_server.url)  # webhooks reach this process
    email = f"quill-{uuid.uuid4().hex[:8]}@example.com"
    signatures: list[str] = []  # of the presigned POSTs the page handed out
    verification = _journey_to_submission(client, emulator, email, signatures)
    calls = ProviderCall.objects.filter(verification=verification, endpoint__contains="add-kyc")
    wait_for(lambda: calls.filter(status_code=500).exists(), bool)  # the worker met the error
    emulator.config(fault_rate=0.0)
    status = Verification.objects.filter(pk=verification.pk).values_list("status", flat=True)
    wait_for(lambda: status.get(), lambda found: found == Status.VERIFIED, limit=60)
    _bank_accounts(client, emulator, verification)
    worker.stop()  # every line written

    secrets = [
        TAX_NUMBER,
        DOCUMENT_NUMBER,
        DOCUMENT_NUMBER_TYPED,
        ACCOUNT_NUMBER,
        VPA,
        PASSWORD,
        settings.DOLLARPE_API_SECRET,
        WORKER_AWS_SECRET,
        settings.SECRET_KEY,
        *settings.FIELD_ENCRYPTION_KEYS,
        *signatures,
    ]
    records = [r for r in debug_logging.records if not r.name.startswith(EMULATOR_LOGGERS)]
    captured = "\n".join(debug_logging.handler.format(record) for record in records)
    worker_log = worker.log()
    assert _leaks(captured, secrets) == []
    assert _leaks(worker_log, secrets) == []
    # Not blind: the logs saw the work (the retry, the webhooks, the bank task) at DEBUG.
    assert Submission.objects.get(verification=verification).attempts >= 2
    assert "retry: Retry in" in worker_log
    for task in ("send_submission", "process_webhook", "send_bank_account"):
        assert f"kyc.tasks.{task}" in worker_log
    assert " DEBUG " in worker_log
    assert any(record.levelno == logging.DEBUG for record in records)


@pytest.mark.django_db
def test_a_phone_links_token_never_reaches_the_log_output(client: Client) -> None:
    # The console handler of settings.LOGGING: what runserver's access lines and Django's
    # request warnings are written through (a phone link's token signs a phone in).
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, PhoneTokensHidden) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        assert client.get("/verify/phone/unknown-token-0123456789/").status_code == 404
        access = logging.getLogger("django.server")
        access.info('"%s" %s %s', "GET /verify/phone/Zm9vYmFyYmF6cXV4/ HTTP/1.1", "200", "512")
        access.info('"%s" %s %s', "GET /verify/phone/photos/ HTTP/1.1", "200", "512")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    written = stream.getvalue()
    assert "unknown-token-0123456789" not in written
    assert "Zm9vYmFyYmF6cXV4" not in written
    assert "Not Found: /verify/phone/…/" in written
    assert '"GET /verify/phone/…/ HTTP/1.1" 200 512' in written
    assert "GET /verify/phone/photos/ HTTP/1.1" in written  # not a token: kept
