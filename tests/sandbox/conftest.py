"""Fixtures for the DollarPe emulator tests (no Django needed: run with `-p no:django`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.dollarpe.process import EmulatorProcess
from tests.sandbox.dollarpe_support import (
    EXECUTABLE,
    PDF,
    Api,
    TestServer,
    make_jpeg,
    make_png,
)

ORG = ("sandbox-key", "sandbox-secret")
OTHER_ORG = ("other-key", "other-secret")

# Fast timings so asynchronous outcomes arrive within a fraction of a second.
FAST: dict[str, Any] = {
    "decision_delay": 0.3,
    "bank_decision_delay": 0.3,
    "webhook_retry_delays": [0.2, 0.4],
    "webhook_timeout": 2,
}


@pytest.fixture(scope="session")
def server() -> Iterator[TestServer]:
    test_server = TestServer().start()
    test_server.files.update(
        {
            "front.jpg": (make_jpeg(), "image/jpeg"),
            "back.pdf": (PDF, "application/pdf"),
            "selfie.png": (make_png(), "image/png"),
            "selfie.jpg": (make_jpeg(), "image/jpeg"),
            "selfie.pdf": (PDF, "application/pdf"),
            "evil.png": (EXECUTABLE, "image/png"),
        }
    )
    yield test_server
    test_server.stop()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    state = tmp_path_factory.mktemp("dollarpe") / "state.sqlite3"
    with EmulatorProcess(state, orgs=[ORG, OTHER_ORG], **FAST) as process:
        yield process


@pytest.fixture
def emu(emulator: EmulatorProcess, server: TestServer) -> Iterator[EmulatorProcess]:
    """The shared emulator, wiped and with its start-up configuration, for each test."""
    emulator.reset(config=True)
    server.clear()
    yield emulator
    emulator.reset(config=True)


@pytest.fixture
def api(emu: EmulatorProcess) -> Api:
    return Api(emu.base_url, *ORG)


@pytest.fixture
def other_api(emu: EmulatorProcess) -> Api:
    return Api(emu.base_url, *OTHER_ORG)


@pytest.fixture
def hook(api: Api, server: TestServer) -> TestServer:
    """Registers the test receiver `/hooks/main` as the organisation's webhook URL."""
    api.ok(
        "POST", "/org/api/v1/organizations/api-webhooks", {"webhook_url": server.url("/hooks/main")}
    )
    return server
