"""Rebilly emulator as a process: state across restarts, the control API, fault injection, the
command line."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import requests

from sandbox.common.process import EmulatorError
from sandbox.rebilly import cli
from sandbox.rebilly.process import RebillyEmulatorProcess
from tests.sandbox.dollarpe_support import TestServer, wait_for
from tests.sandbox.rebilly_support import RebillyApi, link, subscribe, webhooks


def test_state_and_a_pending_decision_survive_a_restart(tmp_path: Path, server: TestServer) -> None:
    process = RebillyEmulatorProcess(
        tmp_path / "restart.sqlite3",
        orgs=[("org-restart", "sk_sandbox_restart")],
        decision_delay=1.0,
        log_level="WARNING",
    )
    with process:
        api = RebillyApi(process.base_url, process.organization_id, process.api_key)
        assert process.api_base == api.api_base
        subscribe(api, server, "restart", events=["kyc-request-fulfilled"])
        customer = api.customer()
        kyc = api.kyc_request(customer["id"], {"type": "address-proof"})
        process.gatherer_submit(link(kyc), {"address-proof": "accept"})
        assert api.get_request(kyc["id"])["status"] == "pending-review"
        assert process.stop() == 0  # a clean exit on SIGTERM, decision still pending
        process.start()
        kept = api.ok("GET", f"/customers/{customer['id']}")
        assert (kept["createdTime"], kept["primaryAddress"]) == (
            customer["createdTime"],
            customer["primaryAddress"],
        )
        done = wait_for(lambda: (r := api.get_request(kyc["id"]))["status"] == "fulfilled" and r)
        [body] = webhooks(server, 1, "restart")
        assert body["_embedded"]["kycRequest"]["revision"] == done["revision"]
        # The gatherer link still works after a restart (its token is stored).
        assert "nothing to upload" in requests.get(link(kyc), timeout=5).text
        process.restart()
        assert api.ok("GET", "/kyc-requests")[0]["status"] == "fulfilled"


def test_a_bad_start_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EmulatorError, match=r"usage|error"):
        RebillyEmulatorProcess(tmp_path / "s.sqlite3", bogus_option=1).start()
    with pytest.raises(EmulatorError, match="ORG_ID"):
        RebillyEmulatorProcess(tmp_path / "t.sqlite3", orgs=[("org", "pk_live_x")]).start()


def test_control_config_is_validated(reb: RebillyEmulatorProcess) -> None:
    for body in ({"nope": 1}, {"gatherer_rel": "kyc"}, {"rate_limit": -1}, {"hold_deliveries": 1}):
        response = requests.patch(reb.base_url + "/_sandbox/config", json=body, timeout=5)
        assert response.status_code == 400
        assert set(response.json()["errors"]) == set(body)
    config = reb.config()
    assert (config["decision_delay"], config["webhook_retry_delays"]) == (0.2, [0.2, 0.4])
    assert config["gatherer_rel"] == "gatherer"
    # The organization is named, never its secret key: the control API answers anyone.
    assert reb.health()["orgs"][0] == {"organizationId": "org-one"}
    assert "sk_sandbox_one" not in json.dumps(reb.health())


def test_reset_wipes_state(reb: RebillyEmulatorProcess, rapi: RebillyApi) -> None:
    rapi.customer()
    reb.config(hold_deliveries=True)
    reb.reset(config=False)
    assert reb.config()["hold_deliveries"] is True
    assert rapi.ok("GET", "/customers") == []
    assert reb.requests() == [{**reb.requests()[0], "path": "/organizations/org-one/customers"}]
    reb.reset()
    assert reb.config()["hold_deliveries"] is False


def test_the_request_log_hides_tokens_and_file_content(
    reb: RebillyEmulatorProcess, rapi: RebillyApi
) -> None:
    kyc = rapi.kyc_request(rapi.customer()["id"])
    requests.get(link(kyc), timeout=5)
    rapi.upload(b"\x89PNG\r\n\x1a\n" + bytes(600))  # 608 bytes: 812 base64 characters
    entries = reb.requests()
    assert [(e["method"], e["path"].rsplit("/", 1)[-1], e["status"]) for e in entries] == [
        ("PUT", entries[0]["path"].rsplit("/", 1)[-1], 201),
        ("POST", "kyc-requests", 201),
        ("GET", "gatherer", 200),
        ("POST", "files", 201),
    ]
    logged_link = next(
        item["href"] for item in entries[1]["response"]["_links"] if item["rel"] == "gatherer"
    )
    assert "token" not in logged_link
    assert entries[2]["query"] is None
    assert entries[3]["body"]["file"] == "<812 characters>"
    assert len(reb.requests(path="/organizations/org-one/kyc-requests")) == 1
    assert len(reb.requests(method="get")) == 1


# --- fault injection --------------------------------------------------------------------------


def test_a_500_fault_changes_nothing(reb: RebillyEmulatorProcess, rapi: RebillyApi) -> None:
    reb.config(fault_rate=1.0, fault_modes=["500"])
    reply = rapi.call("PUT", "/customers/faulted", {})
    assert reply.status == 500
    assert reply.headers["Content-Type"] == "application/json"
    assert (reply.problem["title"], reply.problem["type"]) == (
        "Internal Server Error",
        "about:blank",
    )
    assert reb.health()["status"] == "ok"  # the control API is never faulted
    reb.config(fault_rate=0.0)
    assert rapi.call("GET", "/customers/faulted").status == 404
    assert reb.requests()[0]["fault"] == "500"


def test_reset_and_timeout_faults(reb: RebillyEmulatorProcess, rapi: RebillyApi) -> None:
    reb.config(fault_rate=1.0, fault_modes=["reset"])
    with pytest.raises(requests.ConnectionError):
        rapi.call("POST", "/customers", {})
    reb.config(fault_modes=["timeout"], fault_timeout_seconds=1.0)
    with pytest.raises(requests.Timeout):
        rapi.call("POST", "/customers", {}, timeout=0.3)
    reb.config(fault_rate=0.0)
    assert rapi.ok("GET", "/customers") == []
    assert [e["fault"] for e in reb.requests()] == ["reset", "timeout", None]
    # The gatherer is not an API path: never faulted.
    reb.config(fault_rate=1.0, fault_modes=["500"])
    assert requests.get(reb.base_url + "/gatherer?token=x", timeout=5).status_code == 404


def test_faults_do_not_touch_state(reb: RebillyEmulatorProcess, rapi: RebillyApi) -> None:
    customer = rapi.customer()
    kyc = rapi.kyc_request(customer["id"])
    reb.config(fault_rate=1.0, fault_modes=["500", "reset"], fault_seed=3)
    for _ in range(4):
        with contextlib.suppress(requests.ConnectionError):
            rapi.call("PATCH", f"/kyc-requests/{kyc['id']}", {"reason": "changed"})
    reb.config(fault_rate=0.0)
    assert rapi.ok("GET", f"/kyc-requests/{kyc['id']}") == kyc


def _fault_pattern(reb: RebillyEmulatorProcess, rapi: RebillyApi) -> list[int]:
    reb.config(fault_rate=0.5, fault_modes=["500"], fault_seed=42)
    return [rapi.call("GET", "/customers").status for _ in range(12)]


def test_seeded_faults_are_reproducible(reb: RebillyEmulatorProcess, rapi: RebillyApi) -> None:
    first = _fault_pattern(reb, rapi)
    reb.config(fault_seed=None)
    assert _fault_pattern(reb, rapi) == first
    assert set(first) == {200, 500}


# --- the command line -------------------------------------------------------------------------


def test_cli_defaults_and_environment() -> None:
    args = cli.parse([], env={})
    config = args.emulator_config
    assert (args.host, args.port, args.state) == ("127.0.0.1", 8200, "var/rebilly-sandbox.sqlite3")
    assert [(o.organization_id, o.api_key) for o in config.orgs] == [
        ("org-sandbox", "sk_sandbox_local")
    ]
    assert config.public_url == "http://127.0.0.1:8200"
    runtime = config.runtime
    assert (runtime.decision_delay, runtime.webhook_retry_delays, runtime.webhook_timeout) == (
        1.0,
        (5.0, 30.0, 120.0),
        5.0,
    )
    env = {
        "REBILLY_SANDBOX_PORT": "9300",
        "REBILLY_SANDBOX_DECISION_DELAY": "3",
        "REBILLY_SANDBOX_ORG": "org-a:sk_sandbox_a,org-b:sk_sandbox_b",
        "REBILLY_SANDBOX_PUBLIC_URL": "https://kyc.test/",
        "REBILLY_SANDBOX_CONFIG": '{"gatherer_rel": "both"}',
    }
    args = cli.parse(["--decision-delay", "0.5", "--webhook-retry-delays", "1,2"], env=env)
    config = args.emulator_config
    assert args.port == 9300
    assert config.runtime.decision_delay == 0.5  # the command line wins
    assert config.runtime.webhook_retry_delays == (1.0, 2.0)
    assert config.runtime.gatherer_rel == "both"
    assert config.public_url == "https://kyc.test"
    assert [o.organization_id for o in config.orgs] == ["org-a", "org-b"]
    args = cli.parse(["--org", "org-c:sk_sandbox_c"], env=env)
    assert [o.organization_id for o in args.emulator_config.orgs] == ["org-c"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--org", "org-only"],
        ["--decision-delay", "-1"],
        ["--bogus"],
        ["--port", "70000"],
        ["--org", "org:pk_sandbox_x"],
        ["--org", "o:sk_sandbox_1", "--org", "o:sk_sandbox_2"],
        ["--config", '{"rate_limit": "many"}'],
        ["--config", "[]"],
    ],
)
def test_cli_is_strict(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.parse(argv, env={})
    assert caught.value.code == 2
