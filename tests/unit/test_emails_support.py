"""The worker's emails as the browser tests read them: a message still being written is
not read yet (Django's file backend writes the message first, then its separator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support import emails

SEPARATOR = "-" * 79


@pytest.fixture
def folder(tmp_path: Path, settings: Any) -> Path:
    settings.VAR_DIR = tmp_path
    emails.folder().mkdir()
    return emails.folder()


def message(subject: str, body: str) -> str:
    return f"To: asha@example.com\nSubject: {subject}\n\n{body}\n"


def test_a_message_still_being_written_is_not_read_yet(folder: Path) -> None:
    written = message("Verified", "You are verified.") + SEPARATOR + "\n"
    half = message("We could not verify you", "Our team will")[:-10]  # no separator yet
    (folder / "worker.log").write_text(written + half, encoding="utf-8")
    found = emails.sent_to("asha@example.com")
    assert [str(m["Subject"]) for m in found] == ["Verified"]
    assert emails.body(found[0]).strip() == "You are verified."
