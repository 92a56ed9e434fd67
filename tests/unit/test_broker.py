"""The filesystem broker of `make run` loses nothing while a worker reads as messages are
written (kombu's own transport lost about 1 in 10 here: celery/kombu#1551)."""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import pytest
from kombu import Connection

TRANSPORT = "onboarding.broker:Transport"
COUNT = 2000


def queue_name() -> str:
    # kombu keeps the exchanges it declared per process: one name per test.
    return f"kyc-{uuid.uuid4().hex[:8]}"


def connection(folder: Path) -> Connection:
    (folder / "control").mkdir(exist_ok=True)  # kombu's default is ./control
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder / "control"),
        "polling_interval": 0,
    }
    return Connection("filesystem://localhost/", transport=TRANSPORT, transport_options=options)


def test_messages_read_while_they_are_written_all_arrive_whole(tmp_path, caplog):
    name = queue_name()

    def produce() -> None:
        with connection(tmp_path) as producer:
            queue = producer.SimpleQueue(name)
            for number in range(COUNT):
                queue.put({"n": number})

    writer = threading.Thread(target=produce)
    writer.start()
    seen: list[int] = []
    with connection(tmp_path) as consumer, caplog.at_level(logging.WARNING, "onboarding.broker"):
        queue = consumer.SimpleQueue(name)
        while len(seen) < COUNT:
            message = queue.get(timeout=30)  # raises Empty if one never comes
            seen.append(message.payload["n"])
            message.ack()
    writer.join()
    assert sorted(seen) == list(range(COUNT))
    assert caplog.records == []  # no half-written file was ever seen


def test_a_file_that_is_not_a_message_is_skipped_not_fatal(tmp_path, caplog):
    # What kombu's own writer leaves for a moment (or a crash for good): an empty file.
    name = queue_name()
    (tmp_path / f"1_0.{name}.msg").write_bytes(b"")
    with connection(tmp_path) as broker, caplog.at_level(logging.WARNING, "onboarding.broker"):
        queue = broker.SimpleQueue(name)
        queue.put({"n": 1})
        assert queue.get(timeout=5).payload == {"n": 1}
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.1)
    assert "not a message" in caplog.text
