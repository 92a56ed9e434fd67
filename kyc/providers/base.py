"""One request path for every provider client: encode, sign, send, time, record, map errors.

A provider subclass supplies only what differs: how the body is serialised and
signed, and how an error answer is turned into one of the exceptions in
`kyc.providers.errors`. Every attempt is reported to the observers (the core
stores a ProviderCall row per attempt) with secrets already redacted.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from kyc.providers.errors import (
    InvalidResponseError,
    ProviderError,
    TransientProviderError,
)


@dataclass(frozen=True)
class CallRecord:
    """What an observer learns of one HTTP attempt (no secrets, no document URLs)."""

    provider: str
    method: str
    endpoint: str
    status_code: int | None
    duration_ms: float
    error: str | None
    request_body: Any
    attempt: int


CallObserver = Callable[[CallRecord], None]

logger = logging.getLogger(__name__)


class ProviderHttpClient:
    provider: str = "provider"

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float,
        session: requests.Session | None = None,
        observers: Sequence[CallObserver] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.observers = list(observers)

    # --- hooks for subclasses --------------------------------------------------------------
    def encode_body(self, body: Mapping[str, Any] | None) -> bytes:
        return b"" if body is None else json.dumps(body).encode()

    def auth_headers(self, method: str, payload: bytes) -> dict[str, str]:
        return {}

    def error_for(self, response: requests.Response) -> ProviderError:
        return ProviderError(f"HTTP {response.status_code}", status_code=response.status_code)

    def unwrap(self, document: Any) -> Any:
        return document

    def redact(self, body: Mapping[str, Any] | None) -> Any:
        return body

    # --- the request path ------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        endpoint: str | None = None,
        attempt: int = 1,
    ) -> Any:
        """Send one signed request; return the unwrapped success data or raise ProviderError."""
        payload = self.encode_body(body)
        headers = {"Accept": "application/json", **self.auth_headers(method, payload)}
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        status_code: int | None = None
        error: ProviderError | None = None
        try:
            response = self._send(method, path, payload if body is not None else None, headers)
            status_code = response.status_code
            return self._handle(response)
        except ProviderError as exc:
            error = exc
            raise
        finally:
            self._notify(
                CallRecord(
                    provider=self.provider,
                    method=method,
                    endpoint=endpoint or path,
                    status_code=status_code,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    error=None if error is None else f"{error.code}: {error.message}"[:500],
                    request_body=self.redact(body),
                    attempt=attempt,
                )
            )

    def _send(
        self, method: str, path: str, payload: bytes | None, headers: dict[str, str]
    ) -> requests.Response:
        url = self.base_url + path
        try:
            return self.session.request(
                method, url, data=payload, headers=headers, timeout=self.timeout
            )
        except requests.Timeout:
            raise TransientProviderError(f"timed out after {self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise TransientProviderError(f"connection failed ({type(exc).__name__})") from None

    def _handle(self, response: requests.Response) -> Any:
        if not 200 <= response.status_code < 300:
            raise self.error_for(response)
        try:
            document = response.json()
        except ValueError:
            raise InvalidResponseError(
                "the success answer is not JSON", status_code=response.status_code
            ) from None
        return self.unwrap(document)

    def _notify(self, record: CallRecord) -> None:
        for observer in self.observers:
            try:
                observer(record)
            except Exception:
                # Recording must never turn a call the provider answered into a failure.
                logger.exception("call observer failed for %s %s", record.method, record.endpoint)
