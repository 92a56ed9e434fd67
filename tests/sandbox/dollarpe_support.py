"""Helpers for the emulator tests: a file server + webhook receiver, a signed API client,
media files built from bytes, payload factories and a bounded wait."""

from __future__ import annotations

import itertools
import json
import struct
import threading
import time
import uuid
import zlib
from collections import defaultdict, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import requests

from tests.sandbox.dollarpe_signer import body_text, signature

T = TypeVar("T")
CMS = "/cms/api/v1"


# --- media built at test time ---------------------------------------------------------------


def make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80\x40\x20" * 4 for _ in range(4))  # 4x4 RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    """8x8 grey baseline JPEG: one block, DC diff 0 then EOB, each a 1-bit Huffman code."""

    def seg(marker: int, data: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data

    table = b"\x01" + bytes(15) + b"\x00"
    return (
        b"\xff\xd8"
        + seg(0xE0, b"JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00")
        + seg(0xDB, b"\x00" + bytes([1]) * 64)
        + seg(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
        + seg(0xC4, b"\x00" + table)
        + seg(0xC4, b"\x10" + table)
        + seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f\xff\xd9"
    )


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + bytes(56)  # an ELF header, served as .png


# --- file server and webhook receiver -------------------------------------------------------


class Received:
    def __init__(self, path: str, headers: dict[str, str], body: bytes) -> None:
        self.path = path
        self.headers = headers
        self.body = body

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class TestServer:
    """Serves `/files/<name>` (query strings ignored, like presigned URLs) and records
    `POST /hooks/<name>`, answering each with the next scripted status (default 200)."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self._hooks: dict[str, list[Received]] = defaultdict(list)
        self._script: dict[str, deque[int]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> TestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def clear(self) -> None:
        with self._lock:
            self._hooks.clear()
            self._script.clear()

    def script(self, hook: str, statuses: list[int]) -> None:
        with self._lock:
            self._script[hook].extend(statuses)

    def received(self, hook: str = "main") -> list[Received]:
        with self._lock:
            return list(self._hooks[hook])

    def wait_received(self, count: int, hook: str = "main", timeout: float = 10) -> list[Received]:
        """Wait until exactly `count` requests reached `hook` and return them."""
        wait_for(lambda: len(self.received(hook)) >= count, timeout)
        received = self.received(hook)
        assert len(received) == count, [r.json for r in received]
        return received

    def _next_status(self, hook: str, received: Received) -> int:
        with self._lock:
            self._hooks[hook].append(received)
            return self._script[hook].popleft() if self._script[hook] else 200

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.split("?", 1)[0].removeprefix("/files/")
                if name not in server.files:
                    self._answer(404, b"missing", "text/plain")
                    return
                data, content_type = server.files[name]
                self._answer(200, data, content_type)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                hook = self.path.split("?", 1)[0].removeprefix("/hooks/")
                received = Received(self.path, dict(self.headers.items()), body)
                self._answer(server._next_status(hook, received), b"{}", "application/json")

            def _answer(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


# --- signed API client ----------------------------------------------------------------------


class Api:
    """Sends signed DollarPe requests; paths are relative to /cms/api/v1 unless absolute."""

    def __init__(self, base_url: str, api_key: str, api_secret: str, style: str = "compact"):
        self.base_url = base_url
        self.api_key = api_key
        self.api_secret = api_secret
        self.style = style
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith(("/org/", "/cms/")) else CMS + path)

    def headers(self, body: Any, *, timestamp: str | None = None, style: str | None = None) -> dict:
        ts = timestamp or str(int(time.time()))
        text = body_text({} if body is None else body, style or self.style)
        return {
            "X-API-KEY": self.api_key,
            "X-TIMESTAMP": ts,
            "X-SIGNATURE": signature(self.api_key, self.api_secret, ts, text),
        }

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        style: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> requests.Response:
        merged = self.headers(body, style=style)
        merged.update(headers or {})
        data = None
        if body is not None:
            merged["Content-Type"] = "application/json"
            data = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        return self.session.request(
            method, self.url(path), data=data, headers=merged, timeout=timeout
        )

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> requests.Response:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> requests.Response:
        return self.call("PATCH", path, body, **kw)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        """`data` of a call that must succeed."""
        response = self.call(method, path, body)
        assert response.status_code == 200, response.text
        payload = response.json()
        assert (payload["status"], payload["message"]) == (True, "Success"), payload
        return payload["data"]


def errors_of(response: requests.Response, status: int = 400) -> dict[str, Any]:
    """The `errors` of an error envelope, after checking the envelope itself."""
    assert response.status_code == status, response.text
    payload = response.json()
    assert (payload["status"], payload["data"]) == (False, None), payload
    return dict(payload["errors"])


# --- payload factories ----------------------------------------------------------------------

_counter = itertools.count(1)


def unique() -> int:
    return next(_counter)


def customer_body(**overrides: Any) -> dict[str, Any]:
    n = unique()
    body = {
        "full_name": "Asha Rao",
        "email": f"asha{n}@example.com",
        "phone": f"9{n:09d}",
        "alpha_3_country_code": "IND",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def create_customer(api: Api, **overrides: Any) -> dict[str, Any]:
    return dict(api.ok("POST", "/customer/create", customer_body(**overrides)))


def kyc_body(customer_id: str, server: TestServer, /, **overrides: Any) -> dict[str, Any]:
    n = unique()
    body: dict[str, Any] = {
        "customer_id": customer_id,
        "full_name": "Asha Rao",
        "phone": "9911002211",
        "full_address": "12 MG Road, Bengaluru",
        "dob": "15-08-1990",
        "registered_date": "01-01-2024",
        "tax_number": f"ABCPE{1000 + n % 9000}F",
        "document_type": "AADHAAR",
        "document_front_image_url": server.url("/files/front.jpg?X-Amz-Signature=s3cr3t"),
        "document_back_image_url": server.url("/files/back.pdf?X-Amz-Signature=s3cr3t"),
        "document_details": {"document_number": f"5{n:011d}", "additional_data": {}},
        "selfie_url": server.url("/files/selfie.png?X-Amz-Signature=s3cr3t"),
        "selfie_verification_status": True,
        "additional_info": {"income_range": "<10L", "profession": "Engineer"},
    }
    body.update(overrides)
    return body


def wait_for(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll until `check()` is truthy; fail with its last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value {value!r}")
        time.sleep(interval)


def new_uuid() -> str:
    return str(uuid.uuid4())
