"""Rebilly emulator: API keys (401/403 problem bodies) and the per-organization rate limit."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.rebilly.process import RebillyEmulatorProcess
from tests.sandbox.rebilly_support import RebillyApi
from tests.support import rebilly_spec


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "REB-APIKEY"),
        ("sk_live_one", "Invalid API key"),
        ("pk_sandbox_one", "Invalid API key"),
        ("sk_sandbox_unknown", "Invalid API key"),
    ],
)
def test_missing_or_unknown_key_is_401(rapi: RebillyApi, key: str, why: str) -> None:
    reply = rapi.call("GET", "/customers", key=key)
    assert reply.status == 401
    problem = reply.problem
    assert (problem["type"], problem["title"]) == ("about:blank", "Unauthorized")
    assert why in problem["detail"]


def test_a_key_of_another_organization_is_403(rapi: RebillyApi, rapi_other: RebillyApi) -> None:
    reply = rapi.call("GET", "/customers", key=rapi_other.api_key)
    assert reply.status == 403
    assert reply.problem["title"] == "Forbidden"
    assert rapi.organization_id in reply.problem["detail"]
    # The same key on its own organization is fine.
    assert rapi_other.call("GET", "/customers").status == 200


def test_unknown_paths_and_methods_answer_problems(rapi: RebillyApi) -> None:
    headers = {"REB-APIKEY": rapi.api_key}
    response = requests.get(rapi.api_base + "/nowhere", headers=headers, timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["title"] == "Not Found"
    # No operation to check it against: it is still a documented NotFound problem.
    rebilly_spec.schema("ProblemTypes/NotFound").validate(response.json())
    reply = rapi.call("GET", "/customers/nobody")
    assert reply.status == 404
    assert "nobody" in reply.problem["detail"]


def test_every_answer_carries_the_rate_limit(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    first = rapi.call("PUT", "/customers/limit-1", {})
    assert first.headers["X-RateLimit-Limit"] == "3000"
    assert first.headers["X-RateLimit-Remaining"] == "2999"
    second = rapi.call("PUT", "/customers/limit-1", {})
    assert second.headers["X-RateLimit-Remaining"] == "2998"
    # GET is not limited: it reports what is left without using any.
    listed = rapi.call("GET", "/customers")
    assert listed.headers["X-RateLimit-Remaining"] == "2998"
    # Problems carry the headers too.
    missing = rapi.call("GET", "/customers/nobody")
    assert missing.headers["X-RateLimit-Limit"] == "3000"
    unauthorized = rapi.call("GET", "/customers", key="sk_sandbox_nope")
    assert "X-RateLimit-Remaining" in unauthorized.headers


def test_over_the_limit_is_429_with_an_epoch_retry_after(
    rapi: RebillyApi, rapi_other: RebillyApi, reb: RebillyEmulatorProcess
) -> None:
    reb.config(rate_limit=2, rate_limit_window=120)
    assert rapi.call("PUT", "/customers/rl-1", {}).status == 201
    assert rapi.call("PUT", "/customers/rl-2", {}).status == 201
    refused = rapi.call("PUT", "/customers/rl-3", {})
    assert refused.status == 429
    assert refused.problem["title"] == "Rate Limit Exceeded"
    retry_after = int(refused.headers["X-RateLimit-Retry-After"])
    assert time.time() < retry_after <= time.time() + 121
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    # Nothing was created, reads still work, and the limit is per organization.
    assert rapi.call("GET", "/customers/rl-3").status == 404
    assert rapi_other.call("PUT", "/customers/rl-3", {}).status == 201
    # The control API is never limited.
    assert reb.health()["status"] == "ok"


def test_a_limit_of_zero_refuses_every_write(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    reb.config(rate_limit=0)
    refused = rapi.call("POST", "/customers", {})
    assert refused.status == 429
    assert int(refused.headers["X-RateLimit-Retry-After"]) > time.time()
    assert rapi.call("GET", "/customers").status == 200
    reb.reset(config=True)
    assert rapi.call("POST", "/customers", {}).status == 201


def test_bad_json_is_a_validation_error(rapi: RebillyApi) -> None:
    reply = rapi.call(
        "PUT",
        "/customers/bad-json",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        valid=False,
    )
    assert reply.fields() == {"body": "The body is not valid JSON."}
    reply = rapi.call(
        "PUT", "/customers/bad-json", data=b"a=b", headers={"Content-Type": "text/plain"}
    )
    assert reply.status == 422
