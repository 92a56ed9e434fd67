"""The local email backend: what `make run`'s worker prints is an email a person can read."""

from __future__ import annotations

import io

from django.core.mail import EmailMessage, EmailMultiAlternatives

from kyc.models import Submission
from kyc.tasks import send_user_email, webhooks_heartbeat
from onboarding.mail import ConsoleEmailBackend
from tests.onboarding.conftest import local_verification, make_user
from tests.support import builders
from tests.support.waiting import wait_for

NAME = "Zoë O'Brien"


def printed(message: EmailMessage) -> str:
    stream = io.StringIO()
    ConsoleEmailBackend(stream=stream).send_messages([message])
    return stream.getvalue()


def test_a_non_ascii_name_and_an_apostrophe_print_as_written():
    message = EmailMessage(
        subject="Zoë, your check isn't finished",
        body=f"Hello {NAME},\n\nyou're one step away: " + "é" * 1200 + "\n",
        from_email="KYC onboarding <no-reply@localhost>",
        to=[f"{NAME} <zoe@example.com>"],
        reply_to=["Équipe <help@example.com>"],
    )
    text = printed(message)
    assert f"To:       {NAME} <zoe@example.com>" in text
    assert "Subject:  Zoë, your check isn't finished" in text
    assert "Reply-To: Équipe <help@example.com>" in text
    assert f"Hello {NAME},\n\nyou're one step away: " + "é" * 1200 in text
    # None of the MIME source: no encoded words, no quoted-printable (the long line), no headers
    # that only a mail client needs.
    for source in ("=?utf-8?", "=C3=A9", "=\n", "Content-Transfer-Encoding", "MIME-Version"):
        assert source not in text


def test_alternatives_and_attachments_are_named_not_dumped():
    message = EmailMultiAlternatives("Receipt", "Plain words.", "a@localhost", ["b@localhost"])
    message.attach_alternative("<p>Plain words.</p>", "text/html")
    message.attach("statement.pdf", b"%PDF-1.7 binary", "application/pdf")
    text = printed(message)
    assert "[also sent as text/html]" in text
    assert "[attachment: statement.pdf]" in text
    assert "<p>" not in text
    assert "PDF-1.7" not in text


def test_the_worker_prints_the_email_whole_and_not_as_warnings(start_worker):
    user = make_user()
    verification = local_verification(user, full_name=NAME)
    worker = start_worker(EMAIL_BACKEND="onboarding.mail.ConsoleEmailBackend")
    # Enqueued first, handled first (one pool process): its lines would come before the email's.
    webhooks_heartbeat.delay()
    send_user_email.delay(verification_id=verification.pk, template="verified")
    log = wait_for(worker.log, lambda text: "send_user_email" in text and "succeeded" in text)
    assert f"To:       {user.email}\nSubject:  Your identity is verified\n" in log
    # The text template is rendered without HTML escaping: O'Brien, not O&#x27;Brien.
    assert f"\nHello {NAME},\n" in log
    lines = log.splitlines()
    assert not [line for line in lines if "WARNING" in line and ("Subject" in line or NAME in line)]
    assert "kyc.tasks.webhooks_heartbeat[" not in log  # its received and succeeded: below INFO
    assert "No hostname was supplied" not in log


def test_a_submission_is_one_task_that_also_sends_its_email(emulator, start_worker):
    """The worker that sends a submission writes its "we received your documents" email
    itself, once the send is recorded: no second task per submission."""
    emulator.config(auto_decision=False)
    verification = builders.customer()
    worker = start_worker(EMAIL_BACKEND="onboarding.mail.ConsoleEmailBackend")
    submission = builders.queued_submission(verification)
    log = wait_for(worker.log, lambda text: "Subject:  We received your documents" in text)
    assert f"To:       {verification.user.email}\n" in log
    submission.refresh_from_db()
    assert submission.state == Submission.State.SENT
    assert log.count("] received") == 1
    assert "kyc.tasks.send_submission[" in log
    assert "kyc.tasks.send_user_email[" not in log
