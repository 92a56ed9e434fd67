"""Helpers for the Rebilly emulator tests: an API client that validates every answer against
Rebilly's published spec, webhook checks, bodies and the gatherer page as a browser sees it.

The receiver is the DollarPe tests' TestServer (tests/sandbox/dollarpe_support.py): it
records every POST to `/hooks/<name>` and answers with scripted statuses.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from jsonschema import ValidationError
from requests.structures import CaseInsensitiveDict

from tests.sandbox.dollarpe_support import Received, TestServer, wait_for
from tests.support import images, rebilly_spec

_counter = itertools.count(1)
# The credential of the docs' example (user `rebilly`, password `superman`).
WEBHOOK_USER = "rebilly"
WEBHOOK_PASSWORD = "superman"


def unique() -> int:
    return next(_counter)


@dataclass
class Reply:
    """An API answer, already validated against the spec."""

    status: int
    body: Any
    headers: CaseInsensitiveDict[str]

    @property
    def problem(self) -> dict[str, Any]:
        assert isinstance(self.body, dict), self.body
        assert self.body.get("status") == self.status, self.body
        return self.body

    def fields(self) -> dict[str, str]:
        """`invalidFields` of a 422 as {field: message}."""
        assert self.status == 422, self.body
        return {item["field"]: item["message"] for item in self.problem["invalidFields"]}


class RebillyApi:
    """Calls `/organizations/<org>/...` with `REB-APIKEY`.

    Every answer is validated with tests/support/rebilly_spec.py (status documented, body and
    typed headers per the spec) and must be `application/json`; every body sent is validated
    too unless the test means to send a bad one (`valid=False`).
    """

    def __init__(self, base_url: str, organization_id: str, api_key: str) -> None:
        self.base_url = base_url
        self.organization_id = organization_id
        self.api_key = api_key
        self.session = requests.Session()

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/organizations/{self.organization_id}"

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        valid: bool = True,
        undocumented: bool = False,
        key: str | None = None,
        org: str | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        timeout: float = 10,
    ) -> Reply:
        base = f"{self.base_url}/organizations/{org or self.organization_id}"
        url = base + path
        if valid and data is None:
            rebilly_spec.validate_request(method, url, body)
        sent = dict(headers or {})
        if key is None:
            sent["REB-APIKEY"] = self.api_key
        elif key:
            sent["REB-APIKEY"] = key
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        response = self.session.request(
            method,
            url,
            data=data,
            headers=sent,
            params=params,
            timeout=timeout,
            allow_redirects=False,
        )
        assert response.headers["Content-Type"].startswith("application/json"), response.headers
        parsed = response.json() if response.content else None
        if response.status_code >= 500:
            # Injected faults: the spec documents no 5xx, but they are problems all the same.
            rebilly_spec.schema("ProblemTypes/Problem").validate(parsed)
        elif undocumented:
            # An answer the spec has no status for (our choice, see the emulator's comment):
            # say so explicitly, and it must still be a problem document.
            with pytest.raises(ValidationError, match="is not documented"):
                rebilly_spec.validate_response(method, url, response.status_code, parsed)
            rebilly_spec.schema("ProblemTypes/Problem").validate(parsed)
        else:
            rebilly_spec.validate_response(
                method, url, response.status_code, parsed, dict(response.headers)
            )
        return Reply(response.status_code, parsed, response.headers)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, **kw: Any) -> Any:
        reply = self.call(method, path, body, **kw)
        assert reply.status == status, (reply.status, reply.body)
        return reply.body

    # --- resources most tests need ---------------------------------------------------------

    def customer(self, first_name: str = "Ada", **address: Any) -> dict[str, Any]:
        n = unique()
        body = {"primaryAddress": contact(first_name, n, **address)}
        return dict(self.ok("PUT", f"/customers/cust-{n}", body, status=201))

    def kyc_request(self, customer_id: str, *documents: dict[str, Any], **fields: Any) -> Any:
        body: dict[str, Any] = {
            "customerId": customer_id,
            "documents": list(documents) or [{"type": "identity-proof"}],
            "redirectUrl": "https://shop.example/kyc/return",
        }
        body.update(fields)
        return self.ok("POST", "/kyc-requests", body, status=201)

    def get_request(self, request_id: str) -> Any:
        return self.ok("GET", f"/kyc-requests/{request_id}", params={"expand": "documents"})

    def documents(self, request_id: str) -> list[dict[str, Any]]:
        found = self.ok("GET", "/kyc-documents", params={"filter": f"requestId:{request_id}"})
        return list(found)

    def upload(self, data: bytes, name: str = "scan.png") -> Reply:
        body = {"file": base64.b64encode(data).decode(), "name": name}
        return self.call("POST", "/files", body)


def contact(first_name: str, n: int, **overrides: Any) -> dict[str, Any]:
    address: dict[str, Any] = {
        "firstName": first_name,
        "lastName": "Lovelace",
        "address": "12 St James's Square",
        "city": "London",
        "country": "GB",
        "postalCode": "SW1Y 4JH",
        "dob": "1990-12-10",
        "emails": [{"label": "main", "value": f"ada{n}@example.com", "primary": True}],
        "phoneNumbers": [{"label": "mobile", "value": "+44 20 7946 0000", "primary": True}],
    }
    address.update(overrides)
    return address


def link(kyc_request: dict[str, Any], rel: str = "gatherer") -> str:
    return next(item["href"] for item in kyc_request["_links"] if item["rel"] == rel)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def info_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["info"][0]


# --- webhooks -------------------------------------------------------------------------------


def subscribe(
    api: RebillyApi,
    server: TestServer,
    hook: str = "rebilly",
    *,
    events: list[str] | None = None,
    username: str = WEBHOOK_USER,
    password: str = WEBHOOK_PASSWORD,
    headers: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A Basic-auth credential for the receiver's host and a webhook to `/hooks/<hook>`."""
    host = urlsplit(server.base_url).hostname
    credential = api.call(
        "POST",
        "/service-credentials/webhook",
        {
            "type": "webhook",
            "host": host,
            "auth": {"type": "basic", "username": username, "password": password},
        },
    )
    assert credential.status in (201, 303), credential.body
    body: dict[str, Any] = {
        "method": "POST",
        "url": server.url(f"/hooks/{hook}"),
        "credentialHash": credential.body["id"],
        "eventsFilter": events or [],
        "headers": headers or [],
        "body": None,
    }
    return dict(api.ok("POST", "/webhooks", body, status=201))


def basic(username: str = WEBHOOK_USER, password: str = WEBHOOK_PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def webhooks(
    server: TestServer, count: int, hook: str = "rebilly", timeout: float = 10
) -> list[dict[str, Any]]:
    """Wait for exactly `count` deliveries; each body is validated against the spec."""
    received = server.wait_received(count, hook, timeout)
    return [checked(item) for item in received]


def checked(received: Received) -> dict[str, Any]:
    body = received.json
    rebilly_spec.validate_webhook(body["eventType"], body)
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    assert received.headers["User-Agent"].startswith("Rebilly/")
    return dict(body)


def events_of(bodies: list[dict[str, Any]]) -> list[str]:
    return [body["eventType"] for body in bodies]


# --- the gatherer page ----------------------------------------------------------------------


class PageParser(HTMLParser):
    """What a test needs to know of a page: title, headings, labels, inputs, selects, buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.title = ""
        self.headings: list[str] = []
        self.legends: list[str] = []
        self.labels: dict[str, str] = {}
        self.inputs: list[dict[str, str]] = []
        self.selects: dict[str, list[str]] = {}
        self.buttons: list[dict[str, str]] = []
        self.meta: list[dict[str, str]] = []
        self.external: list[str] = []
        self._text_target: str | None = None
        self._label_for: str | None = None
        self._select: str | None = None
        self._buffer = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.html_lang = values.get("lang")
        elif tag == "meta":
            self.meta.append(values)
        elif tag in ("script", "link", "img") or (tag == "iframe"):
            self.external.append(tag)
        elif tag == "input":
            self.inputs.append(values)
        elif tag == "select":
            self._select = values.get("name", "")
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self.selects[self._select].append(values.get("value", ""))
        elif tag == "button":
            self.buttons.append(values)
            self._start_text("button")
        elif tag == "label":
            self._label_for = values.get("for", "")
            self._start_text("label")
        elif tag in ("title", "h1", "h2", "legend"):
            self._start_text(tag)

    def _start_text(self, target: str) -> None:
        self._text_target = target
        self._buffer = ""

    def handle_data(self, data: str) -> None:
        if self._text_target:
            self._buffer += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag != self._text_target:
            return
        text = " ".join(self._buffer.split())
        if tag == "title":
            self.title = text
        elif tag in ("h1", "h2"):
            self.headings.append(text)
        elif tag == "legend":
            self.legends.append(text)
        elif tag == "label" and self._label_for is not None:
            self.labels[self._label_for] = text
        elif tag == "button":
            self.buttons[-1]["text"] = text
        self._text_target = None

    def named(self, name: str) -> list[dict[str, str]]:
        return [item for item in self.inputs if item.get("name") == name]


def parse_page(text: str) -> PageParser:
    parser = PageParser()
    parser.feed(text)
    return parser


def gatherer_form(
    token: str, outcomes: dict[str, str], *, selfies: tuple[str, ...] = (), action: str = "submit"
) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """The multipart form a browser sends: a real JPEG per document, a PNG selfie if asked."""
    form = {"token": token, "action": action}
    files = []
    for kind, outcome in outcomes.items():
        decision, _, reason = outcome.partition(":")
        form[f"outcome-{kind}"] = decision
        if reason:
            form[f"reason-{kind}"] = reason
        files.append((f"file-{kind}", (f"{kind}.jpg", images.jpeg(), "image/jpeg")))
        if kind in selfies:
            files.append((f"face-{kind}", ("me.png", images.png(), "image/png")))
    return form, files


def wait_status(api: RebillyApi, request_id: str, status: str, timeout: float = 10) -> Any:
    return wait_for(lambda: (r := api.get_request(request_id))["status"] == status and r, timeout)
