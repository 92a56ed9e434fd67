"""A quieter `make run`: the routine lines below INFO (settings.LOGGING)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
