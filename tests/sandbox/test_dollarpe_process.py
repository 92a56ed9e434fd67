"""The emulator as a process: persistence across restarts, control API, fault injection."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import requests

from sandbox.dollarpe.process import EmulatorError, EmulatorProcess
from tests.sandbox.conftest import ORG, OTHER_ORG
from tests.sandbox.dollarpe_support import (
    Api,
    TestServer,
    create_customer,
    customer_body,
    kyc_body,
    wait_for,
)


def test_state_and_pending_decision_survive_a_restart(tmp_path: Path, server: TestServer) -> None:
    state = tmp_path / "restart.sqlite3"
    first = EmulatorProcess(state, decision_delay=1.5, log_level="WARNING").start()
    try:
        api = Api(first.base_url, first.api_key, first.api_secret)
        api.ok(
            "POST",
            "/org/api/v1/organizations/api-webhooks",
            {"webhook_url": server.url("/hooks/restart")},
        )
        customer = create_customer(api)
        api.ok("POST", "/kyc/add-kyc-data", kyc_body(customer["id"], server))
        assert first.customer(customer["id"])["pending_jobs"]
    finally:
        assert first.stop() == 0  # clean exit on SIGTERM
    with EmulatorProcess(state, decision_delay=1.5) as second:
        api = Api(second.base_url, second.api_key, second.api_secret)
        assert api.ok("GET", f"/customer/{customer['id']}")["full_name"] == customer["full_name"]
        wait_for(lambda: api.ok("GET", f"/customer/{customer['id']}")["status"] == "VERIFIED")
        received = wait_for(lambda: server.received("restart"))
        assert received[0].json["id"] == customer["id"]


def test_startup_failure_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EmulatorError, match=r"usage|error"):
        EmulatorProcess(tmp_path / "s.sqlite3", bogus_option=1).start()


def test_control_config_rejects_unknown_and_bad_values(emu: EmulatorProcess) -> None:
    for body in ({"nope": 1}, {"fault_rate": 3}, {"fault_modes": ["explode"]}):
        response = requests.patch(emu.base_url + "/_sandbox/config", json=body, timeout=5)
        assert response.status_code == 400
        assert set(response.json()["errors"]) == set(body)
    assert emu.config()["decision_delay"] == 0.3


def test_reset_wipes_everything(emu: EmulatorProcess, api: Api) -> None:
    customer = create_customer(api)
    emu.config(hold_webhooks=True)
    emu.reset(config=False)
    assert emu.config()["hold_webhooks"] is True
    assert api.ok("GET", "/customer/list")["count"] == 0
    assert emu.requests_log(customer_id=customer["id"]) == []
    response = requests.get(emu.base_url + f"/_sandbox/customers/{customer['id']}", timeout=5)
    assert response.status_code == 404


def test_request_log_filters(emu: EmulatorProcess, api: Api) -> None:
    first = create_customer(api)
    create_customer(api)
    api.get(f"/customer/{first['id']}")
    entries = emu.requests_log(customer_id=first["id"])
    assert [e["path"] for e in entries] == [f"/cms/api/v1/customer/{first['id']}"]
    assert entries[0]["status"] == 200
    assert entries[0]["signature_style"] == "compact"
    assert len(emu.requests_log(path="/cms/api/v1/customer/create")) == 2
    assert len(emu.requests_log(path="/cms/api/v1/customer")) == 3


# --- fault injection --------------------------------------------------------------------------


def test_500_fault_changes_nothing(emu: EmulatorProcess, api: Api) -> None:
    emu.config(fault_rate=1.0, fault_modes=["500"])
    response = api.post("/customer/create", customer_body())
    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "message": "Internal Server Error",
        "errors": "Unexpected error occurred. Please try again later.",
        "data": None,
    }
    # The control API is never faulted.
    assert emu.health()["status"] == "ok"
    emu.config(fault_rate=0.0)
    assert api.ok("GET", "/customer/list")["count"] == 0
    assert emu.requests_log(path="/cms/api/v1/customer/create")[0]["fault"] == "500"


def test_reset_fault_drops_the_connection(emu: EmulatorProcess, api: Api) -> None:
    emu.config(fault_rate=1.0, fault_modes=["reset"])
    with pytest.raises(requests.ConnectionError):
        api.post("/customer/create", customer_body())
    emu.config(fault_rate=0.0)
    assert api.ok("GET", "/customer/list")["count"] == 0


def test_timeout_fault(emu: EmulatorProcess, api: Api) -> None:
    emu.config(fault_rate=1.0, fault_modes=["timeout"], fault_timeout_seconds=1.5)
    with pytest.raises(requests.Timeout):
        api.post("/customer/create", customer_body(), timeout=0.3)
    emu.config(fault_rate=0.0)
    assert api.ok("GET", "/customer/list")["count"] == 0


def test_latency_on_chosen_paths_answers_them_later_and_still_does_the_work(
    emu: EmulatorProcess, api: Api
) -> None:
    emu.config(latency_seconds=1.5, latency_paths=["/cms/api/v1/customer/create"])
    with pytest.raises(requests.Timeout):
        api.post("/customer/create", customer_body(), timeout=0.3)
    assert api.ok("GET", "/customer/list")["count"] in (0, 1)  # not slowed: answered now
    wait_for(lambda: api.ok("GET", "/customer/list")["count"] == 1)  # slow, not lost
    with pytest.raises(EmulatorError, match="latency_seconds"):
        emu.config(latency_seconds=-1)
    emu.config(latency_seconds=0.0, latency_paths=[])


def test_faults_do_not_touch_existing_state(
    emu: EmulatorProcess, api: Api, server: TestServer
) -> None:
    customer = create_customer(api)
    emu.config(fault_rate=1.0, fault_modes=["500", "reset"])
    for _ in range(4):
        with contextlib.suppress(requests.ConnectionError):
            api.post("/kyc/add-kyc-data", kyc_body(customer["id"], server))
    emu.config(fault_rate=0.0)
    assert api.ok("GET", f"/customer/{customer['id']}")["status"] == "UNVERIFIED"
    assert emu.customer(customer["id"])["kyc"] is None
    assert len(emu.requests_log(customer_id=customer["id"])) == 5


def _fault_pattern(emu: EmulatorProcess, api: Api) -> list[int]:
    emu.config(fault_rate=0.5, fault_modes=["500"], fault_seed=42)
    return [api.get("/customer/list").status_code for _ in range(12)]


def test_seeded_faults_are_reproducible(emu: EmulatorProcess, api: Api) -> None:
    first = _fault_pattern(emu, api)
    emu.config(fault_seed=None)
    second = _fault_pattern(emu, api)
    assert first == second
    assert set(first) == {200, 500}


def test_the_control_api_names_each_organisation_but_never_its_secret(
    emu: EmulatorProcess, api: Api
) -> None:
    # The control API answers anyone who reaches the port: a secret there would let anyone
    # sign webhooks the app takes as DollarPe's.
    api.ok("GET", "/customer/list")
    health = requests.get(emu.base_url + "/_sandbox/health", timeout=5)
    assert health.json()["orgs"] == [{"api_key": ORG[0]}, {"api_key": OTHER_ORG[0]}]
    answers = [health.text]
    for path in ("/config", "/requests", "/webhooks/deliveries"):
        answers.append(requests.get(emu.base_url + "/_sandbox" + path, timeout=5).text)
    for secret in (ORG[1], OTHER_ORG[1]):
        assert not [text for text in answers if secret in text]
