"""The shared request path of every provider client, against a real HTTP server.

What the next providers need from it and DollarPe never used: headers of their own on
one request (an idempotency key), answers with no body (204), the answer's headers
(Location, rate limits), and a bearer token renewed once when it is refused (401).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kyc.providers.base import CallRecord, ProviderHttpClient
from kyc.providers.errors import (
    AuthenticationError,
    InvalidResponseError,
    PermanentProviderError,
    RateLimitedError,
    TransientProviderError,
)
from tests.support.scripted_http import scripted_server


class TokenClient(ProviderHttpClient):
    """A bearer-token client: the token comes from a login the client counts."""

    provider = "token-test"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.logins = 0
        self.token = "expired"

    def auth_headers(self, method: str, payload: bytes) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def reauthenticate(self) -> bool:
        self.logins += 1
        self.token = f"fresh-{self.logins}"
        return True


@pytest.fixture
def server():
    with scripted_server() as (url, script):
        yield url, script


def _client(url: str, records: list[CallRecord] | None = None) -> TokenClient:
    observers = [records.append] if records is not None else []
    return TokenClient(base_url=url, timeout=5, observers=observers)


def test_headers_of_one_request_are_sent_but_never_replace_authentication(server):
    url, script = server
    script.json({"ok": True})
    _client(url).request(
        "POST",
        "/persons",
        body={"a": 1},
        headers={"IdempotencyKey": "sub-42", "Authorization": "Bearer forged"},
    )
    sent = script.requests[-1][2]
    assert sent["IdempotencyKey"] == "sub-42"
    assert sent["Authorization"] == "Bearer expired"  # the client's own, not the caller's


def test_a_204_is_accepted_when_no_body_is_expected(server):
    url, script = server
    script.once(204)
    answer = _client(url).send("DELETE", "/kyc-requests/kyc_req_1", expect_body=False)
    assert (answer.status_code, answer.data) == (204, None)


def test_an_empty_success_where_a_body_is_expected_is_an_invalid_answer(server):
    url, script = server
    script.once(200)
    with pytest.raises(InvalidResponseError, match="empty"):
        _client(url).request("GET", "/customers/1")


def test_the_answer_headers_are_exposed(server):
    url, script = server
    script.once(201, {"id": "cus_1"}, Location="/customers/cus_1", **{"X-RateLimit-Remaining": "9"})
    answer = _client(url).send("PUT", "/customers/cus_1", body={"x": 1})
    assert answer.data == {"id": "cus_1"}
    assert answer.headers["location"] == "/customers/cus_1"  # case-insensitive
    assert answer.headers["X-RATELIMIT-REMAINING"] == "9"


def test_a_401_renews_the_credentials_once_and_sends_again(server):
    url, script = server
    records: list[CallRecord] = []
    client = _client(url, records)
    script.once(401, {"title": "Unauthorized"})
    script.json({"person_guid": "p-1"})
    assert client.request("GET", "/persons/p-1") == {"person_guid": "p-1"}
    assert client.logins == 1
    tokens = [headers["Authorization"] for _, _, headers, _ in script.requests]
    assert tokens == ["Bearer expired", "Bearer fresh-1"]
    assert [record.status_code for record in records] == [401, 200]  # both attempts recorded


def test_a_second_401_is_an_authentication_error_not_a_loop(server):
    url, script = server
    script.json({"title": "Unauthorized"}, status=401)
    client = _client(url)
    with pytest.raises(AuthenticationError):
        client.request("GET", "/persons/p-1")
    assert client.logins == 1
    assert len(script.requests) == 2


def test_a_403_is_not_retried(server):
    url, script = server
    script.json({"title": "Forbidden"}, status=403)
    client = _client(url)
    with pytest.raises(AuthenticationError):
        client.request("GET", "/x")
    assert (client.logins, len(script.requests)) == (0, 1)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, RateLimitedError),
        (503, TransientProviderError),
        (422, PermanentProviderError),
    ],
)
def test_the_default_error_mapping(server, status, error):
    url, script = server
    script.json({"detail": "no"}, status=status)
    with pytest.raises(error) as raised:
        _client(url).request("POST", "/x", body={})
    assert raised.value.status_code == status


def test_the_body_is_json_encoded_by_default(server):
    url, script = server
    script.json({})
    _client(url).request("POST", "/x", body={"b": [1, 2]})
    method, _, headers, body = script.requests[-1]
    assert (method, json.loads(body), headers["Content-Type"]) == (
        "POST",
        {"b": [1, 2]},
        "application/json",
    )


def test_what_is_recorded_of_a_body_hides_identity_numbers_documents_and_signed_links(server):
    url, script = server
    script.json({})
    records: list[CallRecord] = []
    body = {
        "person": {"first_name": "Ada", "govt_id_number": "123-45-6789", "tax_id": "X1"},
        "document": {"front": "A" * 5000, "file_type": "JPEG"},
        "links": ["https://bucket.example/doc?X-Amz-Signature=abc"],
        "api_key": "sk_sandbox_123456",
    }
    _client(url, records).request("POST", "/persons", body=body)
    assert records[0].request_body == {
        "person": {"first_name": "Ada", "govt_id_number": "•••••••••89", "tax_id": "•••"},
        "document": {"front": "<5000 characters, not kept>", "file_type": "JPEG"},
        "links": ["https://bucket.example/doc"],
        "api_key": "•••",  # a credential: not even its end
    }
    assert json.loads(script.requests[-1][3]) == body  # what is sent is whole
