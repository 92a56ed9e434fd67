"""The signature vectors of shared/providers/README.md and of the DollarPe fact sheet's
addendum (API.md §2), through the real client."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from kyc.providers.dollarpe.client import DollarPeClient
from kyc.providers.dollarpe.signing import JsonStyle, canonical_json, signature

KEY, SECRET, TS = "test_key", "test_secret", "1752670745"
BODY = {
    "customer_id": "075986f3-282b-4555-bfcd-fad973e32596",
    "tax_number": "XYZAB1234C",
    "document_details": {"document_number": "1234", "additional_data": {}},
}
GET_VECTOR = "neJStEO7hECVV67sek21ag0V3hZQeG7WdEL9N/ZoJcA="
PYTHON_VECTOR = "KTcMp/dM+DMOI4ETxBTl5G+p5mtOBxcRCL5Yj2smsH4="
COMPACT_VECTOR = "oLF3kNDFaB3kHuyyXC2piY2SNPDkhskazjHBRg2LL7E="
# DollarPe's own published vectors for the compact style (the fact sheet's addendum).
PUBLISHED_KEY = "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
PUBLISHED_SECRET, PUBLISHED_TS = "test-secret-do-not-use", "1735689600"
PUBLISHED_BODY = {
    "amount": 100.5,
    "currency": "INR",
    "customer_id": "78c99d71-f28f-47a9-8302-93b286efbe0e",
    "meta": {"note": "Caf\u00e9", "b": 2, "a": 1},
}
PUBLISHED_EMPTY_VECTOR = "6sCtVSRQjU9+2/af8gdwUAvY1l6Ii6ENcbRfanPkhY0="
PUBLISHED_BODY_VECTOR = "l+DvQrzlKbsOSxSYOdWoWHEehcFRZfDJPKlLDkm2cSI="


def test_get_is_signed_over_an_empty_object():
    assert canonical_json(None) == "{}"
    assert signature(KEY, SECRET, TS, canonical_json(None)) == GET_VECTOR


@pytest.mark.parametrize(
    ("style", "expected"), [("python", PYTHON_VECTOR), ("compact", COMPACT_VECTOR)]
)
def test_body_vectors(style, expected):
    assert signature(KEY, SECRET, TS, canonical_json(BODY, style)) == expected


def test_compact_is_the_default_style():
    assert canonical_json(BODY) == canonical_json(BODY, "compact")
    assert _client("http://127.0.0.1:1", style=None).json_style == "compact"


@pytest.mark.parametrize(
    ("body", "expected"),
    [(None, PUBLISHED_EMPTY_VECTOR), (PUBLISHED_BODY, PUBLISHED_BODY_VECTOR)],
)
def test_dollarpes_published_compact_vectors(body, expected):
    serialized = canonical_json(body)
    assert signature(PUBLISHED_KEY, PUBLISHED_SECRET, PUBLISHED_TS, serialized) == expected


def test_the_spaced_style_does_not_match_the_published_vector():
    spaced = canonical_json(PUBLISHED_BODY, "python")
    assert signature(PUBLISHED_KEY, PUBLISHED_SECRET, PUBLISHED_TS, spaced) == (
        "miHNSJY3iYzbHaJxz+DfW6G2n97rxR69GFsASFEuWss="
    )


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, dict[str, str], bytes]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.seen.append((self.command, dict(self.headers), self.rfile.read(length)))
        payload = json.dumps(
            {
                "status": True,
                "message": "Success",
                "data": {"id": BODY["customer_id"], "status": "PROCESSING"},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder():
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()


def _client(url: str, style: JsonStyle | None) -> DollarPeClient:
    if style is None:  # the client's default
        return DollarPeClient(base_url=url, api_key=KEY, api_secret=SECRET, clock=lambda: int(TS))
    return DollarPeClient(
        base_url=url, api_key=KEY, api_secret=SECRET, json_style=style, clock=lambda: int(TS)
    )


@pytest.mark.parametrize(
    ("style", "expected"), [("python", PYTHON_VECTOR), ("compact", COMPACT_VECTOR)]
)
def test_the_body_sent_is_byte_for_byte_the_json_signed(recorder, style, expected):
    url, seen = recorder
    _client(url, style).request("PATCH", "/cms/api/v1/kyc/update-tax-info", body=BODY)
    method, headers, sent = seen[-1]
    assert method == "PATCH"
    assert sent == canonical_json(BODY, style).encode()
    assert headers["X-API-KEY"] == KEY
    assert headers["X-TIMESTAMP"] == TS
    assert headers["X-SIGNATURE"] == expected
    assert headers["Content-Type"] == "application/json"


def test_a_get_sends_no_body_and_signs_the_empty_object(recorder):
    url, seen = recorder
    _client(url, "python").request("GET", "/cms/api/v1/customer/x")
    method, headers, sent = seen[-1]
    assert (method, sent) == ("GET", b"")
    assert headers["X-SIGNATURE"] == GET_VECTOR
