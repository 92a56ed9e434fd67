"""Fixtures for the emulator tests (no Django needed: run with `-p no:django`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.dollarpe.process import EmulatorProcess
from sandbox.qolo.process import QoloEmulatorProcess
from sandbox.rebilly.process import RebillyEmulatorProcess
from tests.sandbox.dollarpe_support import (
    EXECUTABLE,
    PDF,
    Api,
    TestServer,
    make_jpeg,
    make_png,
)
from tests.sandbox.qolo_support import SDD_PROGRAM, QoloApi
from tests.sandbox.rebilly_support import RebillyApi

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


# --- Rebilly ----------------------------------------------------------------------------------

REBILLY_ORG = ("org-one", "sk_sandbox_one")
REBILLY_OTHER_ORG = ("org-two", "sk_sandbox_two")
REBILLY_FAST: dict[str, Any] = {
    "decision_delay": 0.2,
    "webhook_retry_delays": [0.2, 0.4],
    "webhook_timeout": 2,
}


@pytest.fixture(scope="session")
def rebilly_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RebillyEmulatorProcess]:
    state = tmp_path_factory.mktemp("rebilly") / "state.sqlite3"
    orgs = [REBILLY_ORG, REBILLY_OTHER_ORG]
    with RebillyEmulatorProcess(state, orgs=orgs, **REBILLY_FAST) as process:
        yield process


@pytest.fixture
def reb(
    rebilly_process: RebillyEmulatorProcess, server: TestServer
) -> Iterator[RebillyEmulatorProcess]:
    """The shared Rebilly emulator, wiped and with its start-up configuration, for each test."""
    rebilly_process.reset(config=True)
    server.clear()
    yield rebilly_process
    rebilly_process.reset(config=True)


@pytest.fixture
def rapi(reb: RebillyEmulatorProcess) -> RebillyApi:
    return RebillyApi(reb.base_url, *REBILLY_ORG)


@pytest.fixture
def rapi_other(reb: RebillyEmulatorProcess) -> RebillyApi:
    return RebillyApi(reb.base_url, *REBILLY_OTHER_ORG)


# --- Qolo -------------------------------------------------------------------------------------

QOLO_LOGIN = ("qolo-login", "qolo-api-key")
QOLO_OTHER_LOGIN = ("qolo-other", "qolo-other-key")
QOLO_CDD = "7c4f8e2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b"
QOLO_FAST: dict[str, Any] = {"webhook_retry_delays": [0.2, 0.2], "webhook_timeout": 2}


@pytest.fixture(scope="session")
def qolo_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QoloEmulatorProcess]:
    state = tmp_path_factory.mktemp("qolo") / "state.sqlite3"
    programs = [(QOLO_CDD, "CDD"), (SDD_PROGRAM, "SDD")]
    logins = [QOLO_LOGIN, QOLO_OTHER_LOGIN]
    with QoloEmulatorProcess(state, logins=logins, programs=programs, **QOLO_FAST) as process:
        yield process


@pytest.fixture
def qolo_sandbox(
    qolo_process: QoloEmulatorProcess, server: TestServer
) -> Iterator[QoloEmulatorProcess]:
    """The shared Qolo emulator, wiped and with its start-up configuration, for each test
    (not `qolo`: that is the Django tests' fixture, with the app's settings)."""
    qolo_process.reset(config=True)
    server.clear()
    yield qolo_process
    qolo_process.reset(config=True)


@pytest.fixture
def qapi(qolo_sandbox: QoloEmulatorProcess) -> QoloApi:
    return QoloApi(qolo_sandbox.base_url, *QOLO_LOGIN)
