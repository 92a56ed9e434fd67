"""Qolo emulator as a process: state across restarts, the control API, fault injection, the
command line."""

from __future__ import annotations

import contextlib
import json
import uuid
from pathlib import Path

import pytest
import requests

from sandbox.common.process import EmulatorError
from sandbox.qolo import cli
from sandbox.qolo.process import QoloEmulatorProcess
from tests.sandbox.conftest import QOLO_CDD
from tests.sandbox.dollarpe_support import TestServer, wait_for
from tests.sandbox.qolo_support import (
    SDD_PROGRAM,
    QoloApi,
    b64,
    document,
    entries,
    events,
    subscribe,
)
from tests.support import images


def test_state_and_pending_work_survive_a_restart(tmp_path: Path, server: TestServer) -> None:
    process = QoloEmulatorProcess(
        tmp_path / "restart.sqlite3",
        logins=[("restart-login", "restart-key")],
        programs=[(QOLO_CDD, "CDD"), (SDD_PROGRAM, "SDD")],
        decision_delay=1.0,
        webhook_retry_delays=[0.2],
        log_level="WARNING",
    )
    with process:
        assert process.api_base == process.base_url + "/api/v1"
        assert (process.login_id, process.api_key) == ("restart-login", "restart-key")
        assert process.program_guid == QOLO_CDD
        api = QoloApi(process.base_url, process.login_id, process.api_key)
        subscribe(api, server, QOLO_CDD, "restart", events=["person.updated"])
        created = api.create(QOLO_CDD)
        guid = created["person_guid"]
        assert entries(api.kyc(guid)) == [("OFAC", "PENDING", None), ("EID", "PENDING", None)]
        assert process.stop() == 0  # a clean exit on SIGTERM, the decision still pending
        process.start()
        # The token, the person and the subscription are kept; the decision lands.
        assert (
            api.ok("GET", f"/persons/{guid}")["client_reference_id"]
            == created["client_reference_id"]
        )
        decided = wait_for(
            lambda: (
                (r := api.kyc(guid))["verificationResults"][-1]["verification_results"] == "PASS"
                and r
            )
        )
        assert entries(decided) == [("OFAC", "PASS", None), ("EID", "PASS", None)]
        assert events(server, 0, "restart") == []  # UNVERIFIED before and after: no event
        api.perform(guid, {"document": document()})
        process.restart()
        wait_for(lambda: api.status(guid) == "CLEARED")
        [updated] = events(server, 1, "restart")
        assert updated["data"]["person_status"] == "CLEARED"
        assert [p["person_guid"] for p in process.persons()] == [guid]
        assert len(process.requests(path="/api/v1/auth/login")) == 1


def test_a_bad_start_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EmulatorError, match=r"usage|error"):
        QoloEmulatorProcess(tmp_path / "s.sqlite3", bogus_option=1).start()
    with pytest.raises(EmulatorError, match="GUID"):
        QoloEmulatorProcess(tmp_path / "t.sqlite3", programs=[("program-1", "CDD")]).start()


def test_control_config_is_validated(qolo_sandbox: QoloEmulatorProcess) -> None:
    for body in (
        {"nope": 1},
        {"login_keys": "camel"},
        {"token_field": "bearer"},
        {"webhook_envelope": "soap"},
        {"already_verified_status": 500},
        {"rate_limit": -1},
        {"hold_deliveries": 1},
    ):
        response = requests.patch(qolo_sandbox.base_url + "/_sandbox/config", json=body, timeout=5)
        assert response.status_code == 400
        assert set(response.json()["errors"]) == set(body)
    config = qolo_sandbox.config()
    assert (config["decision_delay"], config["webhook_retry_delays"]) == (0.0, [0.2, 0.2])
    assert (config["login_keys"], config["token_field"], config["token_envelope"]) == (
        "both",
        "token",
        "top",
    )
    assert (config["require_document"], config["document_outcome"]) == (True, "pass")
    assert (config["webhook_envelope"], config["max_document_bytes"]) == ("data", 10 * 1024 * 1024)
    health = qolo_sandbox.health()
    # The login is named, never its API key: the control API answers anyone on the port.
    assert health["logins"][0] == {"login_id": "qolo-login"}
    assert "qolo-api-key" not in json.dumps(health)
    assert health["programs"] == [
        {"program_guid": QOLO_CDD, "mode": "CDD"},
        {"program_guid": SDD_PROGRAM, "mode": "SDD"},
    ]


def test_reset_wipes_state(qolo_sandbox: QoloEmulatorProcess, qapi: QoloApi) -> None:
    guid = qapi.create(SDD_PROGRAM)["person_guid"]
    qolo_sandbox.config(hold_deliveries=True)
    qolo_sandbox.reset(config=False)
    assert qolo_sandbox.config()["hold_deliveries"] is True
    assert qolo_sandbox.persons() == []
    # Tokens went too.
    assert qapi.call("GET", f"/persons/{guid}").status == 401
    qolo_sandbox.reset()
    assert qolo_sandbox.config()["hold_deliveries"] is False


def test_control_views_of_a_person(qolo_sandbox: QoloEmulatorProcess, qapi: QoloApi) -> None:
    guid = qapi.create(QOLO_CDD, govt_id_number="123-45-1111")["person_guid"]
    [summary] = qolo_sandbox.persons()
    assert summary == {
        "person_guid": guid,
        "program_guid": QOLO_CDD,
        "client_reference_id": summary["client_reference_id"],
        "status": "UNVERIFIED",
        "mode": "CDD",
        "level": "OFAC",
        "pending": False,
    }
    held = qolo_sandbox.person(guid)
    assert held["person"]["identifications"][0]["govt_id_number"] == "123-45-1111"  # unmasked
    assert held["checks"] == {"screening": "clear", "identity": "challenge"}
    assert held["challenge_open"] is True
    assert held["kyc"] == qapi.kyc(guid)
    assert [e["_seq"] for e in held["history"]] == [1, 2, 3]
    missing = str(uuid.uuid4())
    for path in (f"/persons/{missing}", f"/persons/{missing}/answers", "/documents/doc_x/front"):
        assert (
            requests.get(qolo_sandbox.base_url + "/_sandbox" + path, timeout=5).status_code == 404
        )
    bad = requests.post(
        qolo_sandbox.base_url + "/_sandbox/webhooks/send",
        json={"event_type": "all", "person_guid": guid},
        timeout=5,
    )
    assert bad.status_code == 400
    with pytest.raises(EmulatorError, match="404"):
        qolo_sandbox.send_webhook("person.created", missing)


def test_the_request_log_shortens_documents(
    qolo_sandbox: QoloEmulatorProcess, qapi: QoloApi
) -> None:
    guid = qapi.create(QOLO_CDD)["person_guid"]
    bmp = images.image_bytes("BMP")  # 9 kB, far over the log's 512 characters in base64
    assert entries(qapi.perform(guid, {"document": document("BMP", bmp)}).body)[-1][1] == "PASS"
    [entry] = qolo_sandbox.requests(path=f"/api/v1/persons/{guid}/kyc")
    assert entry["body"]["document"]["front"] == f"<{len(b64(bmp))} characters>"
    assert entry["person_guid"] == guid
    assert len(qolo_sandbox.requests(person_guid=guid)) == 2  # the create, then the document


# --- fault injection --------------------------------------------------------------------------


def test_a_500_fault_has_no_body_and_changes_nothing(
    qolo_sandbox: QoloEmulatorProcess, qapi: QoloApi
) -> None:
    qapi.token  # noqa: B018 - log in first: the login is an API path too
    qolo_sandbox.config(fault_rate=1.0, fault_modes=["500"])
    body = {"program_guid": SDD_PROGRAM, "person_details": {"first_name": "A", "last_name": "B"}}
    reply = qapi.call("POST", "/persons", body)
    assert (reply.status, reply.body) == (500, None)
    assert "Content-Type" not in reply.headers
    assert qolo_sandbox.health()["status"] == "ok"  # the control API is never faulted
    qolo_sandbox.config(fault_rate=0.0)
    assert qolo_sandbox.persons() == []
    assert qolo_sandbox.requests()[-1]["fault"] == "500"


def test_reset_and_timeout_faults(qolo_sandbox: QoloEmulatorProcess, qapi: QoloApi) -> None:
    qapi.token  # noqa: B018
    qolo_sandbox.config(fault_rate=1.0, fault_modes=["reset"])
    with pytest.raises(requests.ConnectionError):
        qapi.call("POST", "/persons/search", {})
    qolo_sandbox.config(fault_modes=["timeout"], fault_timeout_seconds=1.0)
    with pytest.raises(requests.Timeout):
        qapi.call("POST", "/persons/search", {}, timeout=0.3)
    qolo_sandbox.config(fault_rate=0.0)
    assert qapi.call("POST", "/persons/search", {}).status == 200
    assert [e["fault"] for e in qolo_sandbox.requests()][-3:] == ["reset", "timeout", None]


def test_faults_do_not_touch_state(qolo_sandbox: QoloEmulatorProcess, qapi: QoloApi) -> None:
    guid = qapi.create(QOLO_CDD)["person_guid"]
    before = qapi.kyc(guid)
    qolo_sandbox.config(fault_rate=1.0, fault_modes=["500", "reset"], fault_seed=3)
    for _ in range(4):
        with contextlib.suppress(requests.ConnectionError):
            qapi.perform(guid, {"document": document()})
    qolo_sandbox.config(fault_rate=0.0)
    assert qapi.kyc(guid) == before


def _fault_pattern(qolo_sandbox: QoloEmulatorProcess, qapi: QoloApi) -> list[int]:
    qolo_sandbox.config(fault_rate=0.5, fault_modes=["500"], fault_seed=42)
    return [qapi.call("GET", "/webhooks").status for _ in range(12)]


def test_seeded_faults_are_reproducible(qolo_sandbox: QoloEmulatorProcess, qapi: QoloApi) -> None:
    qapi.token  # noqa: B018
    first = _fault_pattern(qolo_sandbox, qapi)
    qolo_sandbox.config(fault_seed=None)
    assert _fault_pattern(qolo_sandbox, qapi) == first
    assert set(first) == {200, 500}


# --- the command line -------------------------------------------------------------------------


def test_cli_defaults_and_environment() -> None:
    args = cli.parse([], env={})
    config = args.emulator_config
    assert (args.host, args.port, args.state) == ("127.0.0.1", 8300, "var/qolo-sandbox.sqlite3")
    assert [(x.login_id, x.api_key) for x in config.logins] == [
        ("sandbox-login", "sandbox-api-key")
    ]
    assert [(p.guid, p.mode) for p in config.programs] == [
        ("7c4f8e2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b", "CDD")
    ]
    assert config.public_url == "http://127.0.0.1:8300"
    runtime = config.runtime
    assert (runtime.decision_delay, runtime.token_ttl, runtime.webhook_timeout) == (
        0.0,
        43200.0,
        5.0,
    )
    assert runtime.webhook_retry_delays == (5.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
    env = {
        "QOLO_SANDBOX_PORT": "9400",
        "QOLO_SANDBOX_DECISION_DELAY": "3",
        "QOLO_SANDBOX_TOKEN_TTL": "60",
        "QOLO_SANDBOX_LOGIN": "a:key-a,b:key:with:colons",
        "QOLO_SANDBOX_PROGRAM": f"{SDD_PROGRAM.upper()}:sdd,{QOLO_CDD}",
        "QOLO_SANDBOX_PUBLIC_URL": "https://qolo.test/",
        "QOLO_SANDBOX_CONFIG": '{"webhook_envelope": "flat"}',
    }
    args = cli.parse(["--decision-delay", "0.5", "--webhook-retry-delays", "1,2"], env=env)
    config = args.emulator_config
    assert args.port == 9400
    assert config.runtime.decision_delay == 0.5  # the command line wins
    assert (config.runtime.token_ttl, config.runtime.webhook_retry_delays) == (60.0, (1.0, 2.0))
    assert config.runtime.webhook_envelope == "flat"
    assert config.public_url == "https://qolo.test"
    assert [(x.login_id, x.api_key) for x in config.logins] == [
        ("a", "key-a"),
        ("b", "key:with:colons"),
    ]
    assert [(p.guid, p.mode) for p in config.programs] == [(SDD_PROGRAM, "SDD"), (QOLO_CDD, "CDD")]
    args = cli.parse(["--login", "c:key-c"], env=env)
    assert [x.login_id for x in args.emulator_config.logins] == ["c"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--login", "only-a-login"],
        ["--program", "not-a-guid"],
        ["--program", f"{QOLO_CDD}:EDD"],
        ["--program", QOLO_CDD, "--program", f"{QOLO_CDD}:SDD"],
        ["--login", "a:1", "--login", "a:2"],
        ["--decision-delay", "-1"],
        ["--token-ttl", "soon"],
        ["--webhook-retry-delays", "1,2,3,4,5,6,7"],
        ["--bogus"],
        ["--port", "70000"],
        ["--config", '{"rate_limit": "many"}'],
        ["--config", "[]"],
    ],
)
def test_cli_is_strict(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.parse(argv, env={})
    assert caught.value.code == 2
