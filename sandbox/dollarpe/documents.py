"""Download a submitted image URL and check its type by magic bytes (fact sheet §5.2).

DollarPe only accepts hosted URLs, so a client bug such as an expired presigned URL, a
private bucket or a wrong file shows up as a verification failure. The emulator fetches
for real (streaming, with a timeout and a size cap) so those bugs surface locally too.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

import requests

from sandbox.dollarpe.redact import host_and_path

JPEG = "jpeg"
PNG = "png"
PDF = "pdf"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"%PDF-", PDF),
)

# Role of the URL in the KYC payload → types DollarPe accepts there.
ALLOWED: dict[str, frozenset[str]] = {
    "document_front": frozenset({JPEG, PNG, PDF}),
    "document_back": frozenset({JPEG, PNG, PDF}),
    "selfie": frozenset({JPEG, PNG}),
}


@dataclass(frozen=True)
class DocumentCheck:
    role: str
    url: str  # host + path only; never the query string
    ok: bool
    status_code: int | None = None
    size: int | None = None
    detected_type: str | None = None
    error: str | None = None
    sha256: str | None = None  # of the bytes received: tests compare it with what was checked

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def detect_type(head: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def fetch_document(role: str, url: str, *, timeout: float, max_bytes: int) -> DocumentCheck:
    """Download `url` and judge it for `role`; any problem gives ok=False with a reason."""
    shown = host_and_path(url)
    try:
        with requests.get(url, stream=True, timeout=timeout, allow_redirects=True) as response:
            if not 200 <= response.status_code < 300:
                return DocumentCheck(role, shown, False, response.status_code, error="http status")
            body, too_large = _read_capped(response, max_bytes)
    except requests.RequestException as exc:
        return DocumentCheck(role, shown, False, error=f"unreachable: {type(exc).__name__}")
    if too_large:
        return DocumentCheck(role, shown, False, 200, len(body), error="too large")
    kind = detect_type(body[:16])
    ok = kind in ALLOWED[role]
    error = None if ok else f"type {kind or 'unknown'} not accepted for {role}"
    digest = hashlib.sha256(body).hexdigest()
    return DocumentCheck(role, shown, ok, response.status_code, len(body), kind, error, digest)


def _read_capped(response: requests.Response, max_bytes: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            return b"".join(chunks), True
    return b"".join(chunks), False
