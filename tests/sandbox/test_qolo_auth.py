"""Qolo emulator: the login (both key styles, token field and envelope options), Bearer
401s, token expiry, one re-login, API versions, the gateway's 429 and the request log."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from sandbox.qolo.process import QoloEmulatorProcess
from tests.sandbox.qolo_support import QoloApi
from tests.support import qolo_spec

SNAKE = {"login_id": "qolo-login", "api_key": "qolo-api-key"}
FLAT = {"loginid": "qolo-login", "apikey": "qolo-api-key"}


def _problem(response: requests.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    qolo_spec.schema("ProblemDetails").validate(body)
    assert body["status"] == status
    return dict(body)


def test_the_login_is_not_in_the_spec_and_says_why() -> None:
    template, operation = qolo_spec.operation("POST", "/api/v1/auth/login")
    assert template == "/api/{version}/auth/login"
    assert "open question 1" in operation["x-unspecified"]
    assert qolo_spec.unspecified("POST", "http://h/api/v1/auth/login") is not None
    assert qolo_spec.unspecified("GET", "/api/v1/webhooks") is None


@pytest.mark.parametrize("body", [SNAKE, FLAT], ids=["login_id/api_key", "loginid/apikey"])
def test_login_with_either_key_style(qapi: QoloApi, body: dict[str, str]) -> None:
    reply = qapi.login(body)
    assert reply.status == 200, reply.body
    assert set(reply.body) == {"token", "token_type", "expires_in"}
    assert (reply.body["token_type"], reply.body["expires_in"]) == ("Bearer", 43200)
    token = reply.body["token"]
    assert len(token) >= 32
    listed = qapi.ok("GET", "/webhooks", token=token)
    assert (listed["count"], listed["data"], listed["has_more"]) == (0, [], False)


@pytest.mark.parametrize(
    ("style", "works", "fails"), [("snake", SNAKE, FLAT), ("flat", FLAT, SNAKE)]
)
def test_login_keys_pins_one_style(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, style: str, works: dict, fails: dict
) -> None:
    qolo_sandbox.config(login_keys=style)
    assert qapi.login(works).status == 200
    refused = qapi.login(fails)
    assert refused.status == 401
    assert refused.problem["detail"] == "Invalid login id or API key."


@pytest.mark.parametrize("field", ["token", "access_token", "jwt"])
@pytest.mark.parametrize("envelope", ["top", "data"])
def test_token_field_and_envelope(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess, field: str, envelope: str
) -> None:
    qolo_sandbox.config(token_field=field, token_envelope=envelope)
    reply = qapi.login()
    assert reply.status == 200
    found = reply.body["data"] if envelope == "data" else reply.body
    assert set(found) == {field, "token_type", "expires_in"}
    if envelope == "data":
        assert set(reply.body) == {"data"}
    assert qapi.call("GET", "/webhooks", token=found[field]).status == 200
    # The process helper finds the token wherever the options put it.
    assert qapi.call("GET", "/webhooks", token=qolo_sandbox.token()).status == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"login_id": "qolo-login"},
        {"login_id": "qolo-login", "api_key": "wrong"},
        {"login_id": "nobody", "api_key": "qolo-api-key"},
        {"login_id": "qolo-login", "apikey": "qolo-api-key"},  # styles mixed
        {"login_id": 7, "api_key": "qolo-api-key"},
    ],
)
def test_bad_credentials_are_401(qapi: QoloApi, body: dict) -> None:
    reply = qapi.login(body)
    assert reply.status == 401
    problem = reply.problem
    assert problem["title"] == "Unauthorized"
    assert problem["type"] == "https://tools.ietf.org/html/rfc7235#section-3.1"
    assert problem["instance"] == "/api/v1/auth/login"
    assert reply.headers["WWW-Authenticate"] == "Bearer"


def test_a_login_body_must_be_a_json_object(qapi: QoloApi) -> None:
    assert qapi.login([SNAKE]).errors == {
        "$": ["The JSON value could not be converted to LoginRequest."]
    }
    empty = qapi.call(
        "POST", "/auth/login", token="", data=b"", headers={"Content-Type": "application/json"}
    )
    assert empty.errors == {"": ["A non-empty request body is required."]}
    form = qapi.call(
        "POST",
        "/auth/login",
        token="",
        data=b"login_id=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (form.status, form.body["title"]) == (415, "Unsupported Media Type")


@pytest.mark.parametrize(
    ("header", "detail", "challenge"),
    [
        (None, "Send the access token as 'Authorization: Bearer <token>'.", "Bearer"),
        ("Basic cW9sbzpxb2xv", "Send the access token", "Bearer"),
        ("Bearer", "Send the access token", "Bearer"),
        ("Bearer not-a-token", "The access token is invalid.", 'Bearer error="invalid_token"'),
    ],
)
def test_missing_or_unknown_bearer_is_401(
    qapi: QoloApi, header: str | None, detail: str, challenge: str
) -> None:
    headers = {"Authorization": header} if header else {}
    guid = str(uuid.uuid4())
    for method, path in (
        ("GET", f"/persons/{guid}"),
        ("GET", "/webhooks"),
        ("POST", "/persons/search"),
    ):
        reply = qapi.call(method, path, {} if method == "POST" else None, token="", headers=headers)
        assert reply.status == 401, (path, reply.body)
        assert reply.problem["detail"].startswith(detail)
        assert reply.headers["WWW-Authenticate"] == challenge


def test_a_token_expires_after_token_ttl(qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess) -> None:
    qolo_sandbox.config(token_ttl=0.5)
    reply = qapi.login()
    assert reply.body["expires_in"] == 0.5
    token = reply.body["token"]
    assert qapi.call("GET", "/webhooks", token=token).status == 200
    time.sleep(0.6)
    expired = qapi.call("GET", "/webhooks", token=token)
    assert expired.status == 401
    assert expired.problem["detail"] == "The access token expired."
    assert expired.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    # A token issued before the option changed keeps its own lifetime.
    qolo_sandbox.config(token_ttl=43200)
    assert qapi.call("GET", "/webhooks", token=qapi.login().body["token"]).status == 200


def test_expired_tokens_need_exactly_one_relogin(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    """What a client does: reuse its token, and on a 401 log in once and retry."""

    def call_with_relogin() -> int:
        reply = qapi.call("POST", "/persons/search", {})
        if reply.status == 401:
            qapi.forget_token()
            reply = qapi.call("POST", "/persons/search", {})
        return reply.status

    assert [call_with_relogin() for _ in range(3)] == [200, 200, 200]
    assert qolo_sandbox.expire_tokens() == 1
    assert [call_with_relogin() for _ in range(3)] == [200, 200, 200]
    logins = qolo_sandbox.requests(path="/api/v1/auth/login")
    assert len(logins) == 2  # the first, and exactly one re-login
    assert [e["login_id"] for e in logins] == ["qolo-login", "qolo-login"]
    searches = qolo_sandbox.requests(path="/api/v1/persons/search")
    assert [e["status"] for e in searches] == [200, 200, 200, 401, 200, 200, 200]
    assert qolo_sandbox.expire_tokens() == 1  # the new one; the old one stays expired


def test_only_v1_exists(qapi: QoloApi) -> None:
    guid = str(uuid.uuid4())
    for version in ("v2", "V1", "v0"):
        reply = qapi.call("GET", f"/persons/{guid}", version=version)
        assert reply.status == 404
        assert reply.problem["detail"] == f"API version '{version}' is not supported."
    # Another version is refused before the token is even looked at.
    assert qapi.call("GET", f"/persons/{guid}", version="v2", token="").status == 404


def test_unknown_paths_and_methods_are_problems(qapi: QoloApi) -> None:
    headers = {"Authorization": f"Bearer {qapi.token}"}
    _problem(requests.get(qapi.api_base + "/cards", headers=headers, timeout=5), 404)
    refused = requests.delete(qapi.api_base + "/persons", headers=headers, timeout=5)
    _problem(refused, 405)
    assert set(refused.headers["Allow"].split(", ")) >= {"POST", "PUT"}
    guid = str(uuid.uuid4())
    bad = qapi.call("GET", "/persons/not-a-guid", valid=False)
    assert bad.errors == {"person_guid": ["The value 'not-a-guid' is not valid."]}
    assert qapi.call("GET", f"/persons/{guid}/kyc").problem["detail"] == "Person not found"


def test_the_gateway_rate_limit(qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess) -> None:
    qapi.token  # noqa: B018 - log in before the limit applies
    qolo_sandbox.config(rate_limit=2, rate_limit_window=60)
    assert qapi.call("POST", "/persons/search", {}).status == 200
    assert qapi.call("GET", "/webhooks").status == 200
    limited = qapi.call("POST", "/persons/search", {}, undocumented=True)
    assert limited.status == 429
    assert limited.problem["title"] == "Too Many Requests"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # The gateway answers before the token or the version is looked at.
    assert qapi.call("GET", "/webhooks", token="", undocumented=True).status == 429
    assert qapi.login(undocumented=True).status == 429
    assert qolo_sandbox.health()["status"] == "ok"  # the control API is never limited
    qolo_sandbox.reset(config=False)  # a reset opens a fresh window
    assert qapi.login().status == 200
    qolo_sandbox.config(rate_limit=0)
    assert qapi.login(undocumented=True).status == 429
    qolo_sandbox.config(rate_limit=None)
    assert qapi.login().status == 200


def test_the_request_log_masks_credentials(
    qapi: QoloApi, qolo_sandbox: QoloEmulatorProcess
) -> None:
    qapi.login(FLAT)
    qapi.login({"login_id": "qolo-login", "api_key": "wrong"})
    body = {
        "program_guid": qolo_sandbox.program_guid,
        "url": "http://127.0.0.1:9/x",
        "event_type": ["all"],
        "secret": "s3cr3t",
        "active": False,
    }
    qapi.ok("POST", "/webhooks", body, status=201)
    first, second, third, fourth = qolo_sandbox.requests()
    assert first["body"] == {"loginid": "qolo-login", "apikey": "********"}
    assert first["response"]["token"] == "********"
    assert (first["login_id"], first["status"]) == ("qolo-login", 200)
    assert (second["login_id"], second["status"]) == ("qolo-login", 401)
    assert second["body"]["api_key"] == "********"
    assert third["path"] == "/api/v1/auth/login"  # the token for the webhook call
    assert fourth["body"]["secret"] == fourth["response"]["secret"] == "********"
    logged = str(qolo_sandbox.requests())
    assert "s3cr3t" not in logged
    assert "qolo-api-key" not in logged
    assert len(qolo_sandbox.requests(method="post", login_id="qolo-login")) == 4
