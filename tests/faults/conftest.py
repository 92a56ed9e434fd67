"""Fixtures for fault injection: a queue of the test's own, and workers it can break."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.faults import processes
from tests.faults.processes import Worker


@pytest.fixture
def private_queue() -> Iterator[str]:
    """A queue only this test's workers consume: what the test enqueues goes nowhere else."""
    with processes.private_queue() as name:
        yield name


@pytest.fixture
def start_worker(private_queue: str, transactional_db: Any) -> Iterator[Callable[..., Worker]]:
    """Start workers on the private queue; every one is stopped at the end of the test."""
    workers: list[Worker] = []

    def start(**options: Any) -> Worker:
        name = f"faults-{os.getpid()}-{len(workers)}"
        log_path = Path(settings.VAR_DIR) / f"celery-{name}.log"
        worker = Worker(queue=private_queue, log_path=log_path, **options)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
