"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable


class RoutineTasksAtDebug(logging.Filter):
    """Celery's INFO lines about the beat schedule's own tasks are DEBUG lines.

    Beat sends the webhook heartbeat every 10 s (and the poll and the sweep less often);
    beat's "Sending due task", the worker's "received" and "succeeded" lines for them would
    bury everything else. Only INFO is lowered: a routine task that fails or retries is
    still logged at its own level, and LOG_LEVEL=DEBUG shows them all again.
    """

    def __init__(self, tasks: Iterable[str] = ()) -> None:
        super().__init__()
        self.tasks = tuple(tasks)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not self._is_routine(record):
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)

    def _is_routine(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # Task names end at "[" (its id), " " or ")" (beat's "(kyc.tasks.x)"), never a dot.
        return any(f"{task}[" in message or f"({task})" in message for task in self.tasks)


# A continue-on-phone link: /verify/phone/<token>/ (its fixed siblings are not tokens).
PHONE_TOKEN = re.compile(r"(/phone/)(?!(?:live|email|photos|done)/)[^/\s\"?]+")


class PhoneTokensHidden(logging.Filter):
    """Access and request lines never hold a phone link's token: it signs a phone in for
    its first 15 minutes, and logs are read by more people than the applicant."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = PHONE_TOKEN.sub(r"\1…", message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


# A list's search term in a query string (?q=… or &q=…): the admin's search by a whole
# identity number puts a PAN, a phone or an account number there.
SEARCH_TERM = re.compile(r"([?&]q=)[^&\s\"]+")


class SearchTermsHidden(logging.Filter):
    """Access and request lines never hold a search term: an officer may have typed a whole
    identity number (kyc/admin/duplicates.py), which must not reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = SEARCH_TERM.sub(r"\1…", message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True
