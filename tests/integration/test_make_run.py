"""A quieter `make run`: the routine lines below INFO, the last block once all answers, and a
Ctrl-C that ends it cleanly (sandbox/run.py, `manage.py dev_ready`, settings.LOGGING)."""

from __future__ import annotations

import contextlib
import io
import os
import pty
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from onboarding.management.commands.ensure_dev_staff import stored_login
from tests.settings import free_port
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]

# What Celery logs, in Celery's own words, and a warning of ours: through the project's
# LOGGING in a process of its own, as `make run` starts them (embedded defaults).
LOG_PROBE = """
import logging, django
django.setup()
from celery.app import trace
from onboarding.celery import app
app.connection_for_write().info()  # where kombu says "No hostname was supplied"
def task(name):
    return {"name": name, "id": "1", "runtime": 0.01, "return_value": None,
            "description": "raised unexpected", "exc": "OSError()"}
beat, received, traced = (logging.getLogger(name) for name in
    ("celery.beat", "celery.worker.strategy", "celery.app.trace"))
beat.info("Scheduler: Sending due task %s (%s)", "kyc-heartbeat", "kyc.tasks.webhooks_heartbeat")
received.info(trace.LOG_RECEIVED, task("kyc.tasks.webhooks_heartbeat"))
traced.info(trace.LOG_SUCCESS, task("kyc.tasks.webhooks_heartbeat"))
traced.info(trace.LOG_SUCCESS, task("kyc.tasks.poll_processing"))
traced.error(trace.LOG_FAILURE, task("kyc.tasks.webhooks_heartbeat"))
traced.info(trace.LOG_SUCCESS, task("kyc.tasks.send_submission"))
logging.getLogger("kyc.webhooks.wakeups").warning("webhook wake-up flag unavailable (X)")
logging.getLogger("kyc.services.polling").info("an INFO line of ours")
"""


def logged(tmp_path: Path, **env: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", LOG_PROBE],
        env={
            "DJANGO_SETTINGS_MODULE": "onboarding.settings",
            "DJANGO_DEBUG": "true",
            "KYC_VAR_DIR": str(tmp_path),
            "PATH": os.environ["PATH"],
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line.split(" ", 2)[2] for line in result.stderr.splitlines()]  # date, time off


def test_routine_tasks_and_the_hostname_warning_stay_below_info(tmp_path):
    assert logged(tmp_path) == [
        # A routine task that fails is still an error; every other task still says it ran.
        "ERROR celery.app.trace: Task kyc.tasks.webhooks_heartbeat[1] raised unexpected: OSError()",
        "INFO celery.app.trace: Task kyc.tasks.send_submission[1] succeeded in 0.01s: None",
        "WARNING kyc.webhooks.wakeups: webhook wake-up flag unavailable (X)",
        "INFO kyc.services.polling: an INFO line of ours",
    ]


def test_log_level_debug_shows_the_routine_lines_as_debug(tmp_path):
    lines = logged(tmp_path, LOG_LEVEL="DEBUG")
    assert "DEBUG celery.worker.strategy: Task kyc.tasks.webhooks_heartbeat[1] received" in lines
    assert not [line for line in lines if line.startswith("INFO") and "heartbeat" in line]


def test_log_level_warning_keeps_warnings_and_errors_only(tmp_path):
    levels = {line.split(" ", 1)[0] for line in logged(tmp_path, LOG_LEVEL="WARNING")}
    assert levels == {"WARNING", "ERROR"}


# --- manage.py dev_ready: the last block ------------------------------------------------------


@pytest.fixture
def staff(settings):
    settings.DEBUG = True  # the command is for local runs only
    call_command("ensure_dev_staff", stdout=io.StringIO())
    return stored_login()


def test_the_block_comes_once_healthz_answers_200_and_a_worker_answers(
    live_server, celery_worker, settings, staff
):
    healthy = settings.STORAGES
    options = {**healthy["documents"]["OPTIONS"], "bucket_name": "no-such-bucket"}
    settings.STORAGES = {**healthy, "documents": {**healthy["documents"], "OPTIONS": options}}
    out, err = io.StringIO(), io.StringIO()
    arguments = {"url": live_server.url, "wait": 60, "stdout": out, "stderr": err}
    command = threading.Thread(target=call_command, args=("dev_ready",), kwargs=arguments)
    command.start()
    wait_for(err.getvalue, lambda text: "down: storage" in text)
    assert out.getvalue() == ""  # /healthz answers 503: no block yet
    settings.STORAGES = healthy
    command.join(60)
    block = out.getvalue()
    username, password = staff
    assert f"  App:          {live_server.url}/\n" in block
    assert f"  Back office:  {live_server.url}/admin/\n" in block
    assert f"  Staff login:  {username} / {password}   (local only)\n" in block
    assert "  Emails:       sent through django.core.mail.backends.locmem.EmailBackend" in block
    assert block.rstrip().endswith("Ctrl-C stops everything.\n" + "=" * 72)
    assert "KYC onboarding is up\n" in block  # nothing missing


@pytest.mark.django_db
def test_no_block_while_nothing_answers(staff):
    out = io.StringIO()
    with pytest.raises(CommandError, match="did not answer"):
        call_command("dev_ready", url=f"http://127.0.0.1:{free_port()}", wait=0.5, stdout=out)
    assert out.getvalue() == ""


def test_dev_ready_is_for_local_runs_only(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local runs only"):
        call_command("dev_ready", wait=0)


# --- sandbox/run.py: honcho with a clean Ctrl-C -----------------------------------------------

SLEEPER = f'exec {sys.executable} -c "import time; time.sleep(120)"'


def procfile(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "Procfile"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def start_runner(*arguments: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "sandbox.run", *arguments],
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_ctrl_c_ends_the_run_with_status_0(tmp_path):
    log = tmp_path / "run.log"
    runner = start_runner("--procfile", str(procfile(tmp_path, f"a: {SLEEPER}")), log=log)
    wait_for(log.read_text, lambda text: "a.1 started" in text)
    os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C sends without a terminal
    assert runner.wait(30) == 0
    assert "SIGINT received" in log.read_text()


def test_a_process_that_fails_still_fails_the_run(tmp_path):
    log = tmp_path / "run.log"
    lines = (f"a: {SLEEPER}", "b: sleep 0.5; exit 3")
    runner = start_runner("--procfile", str(procfile(tmp_path, *lines)), log=log)
    assert runner.wait(30) == 3
    assert "b.1 stopped (rc=3)" in log.read_text()


def test_ctrl_c_on_a_terminal_ends_make_with_status_0_and_no_error_line(tmp_path):
    """Under make, on a pseudo-terminal, as a person runs it: make must not see the Ctrl-C."""
    runner = f"{sys.executable} -m sandbox.run --procfile {procfile(tmp_path, f'a: {SLEEPER}')}"
    (tmp_path / "Makefile").write_text(f"run:\n\t{runner}\n")
    script = f'make -C {REPO} -f {tmp_path / "Makefile"} run; echo "make ended: $?"'
    child, terminal = pty.fork()
    if child == 0:  # pragma: no cover - the child only becomes bash
        os.execvp("bash", ["bash", "-c", script])  # noqa: S606 - bash is the point
    output = read_until(terminal, b"a.1 started")
    os.write(terminal, b"\x03")  # Ctrl-C, through the terminal's line discipline
    output += read_until(terminal, b"make ended:")
    os.waitpid(child, 0)
    os.close(terminal)
    text = output.decode(errors="replace")
    assert "SIGINT received" in text
    assert "make ended: 0" in text
    assert "Error" not in text
    assert "Interrupt" not in text


def read_until(terminal: int, marker: bytes) -> bytes:
    """What the terminal shows, up to the end of the line that holds `marker`."""
    seen = b""

    def more() -> bytes:
        nonlocal seen
        if select.select([terminal], [], [], 0.2)[0]:
            with contextlib.suppress(OSError):  # EIO: everything on the terminal has ended
                seen += os.read(terminal, 65536)
        return seen

    wait_for(more, lambda text: marker in text and b"\n" in text.split(marker, 1)[1], limit=60)
    return seen
