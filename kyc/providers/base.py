"""One request path for every provider client: encode, sign, send, time, record, map errors.

A provider subclass supplies only what differs: how the body is serialised and
signed (or which token it carries, renewed once on a 401), and how an error answer
is turned into one of the exceptions in `kyc.providers.errors`. Every attempt is
reported to the observers (the core stores a ProviderCall row per attempt) with
secrets already redacted.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from pydantic import TypeAdapter, ValidationError

from kyc.providers.errors import (
    AuthenticationError,
    InvalidResponseError,
    InvalidWebhookError,
    PermanentProviderError,
    ProviderError,
    RateLimitedError,
    TransientProviderError,
)
from kyc.providers.redaction import redact_by_name


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


@dataclass(frozen=True)
class Answer:
    """A success answer: its status, its headers (case-insensitive) and its unwrapped data.

    `data` is None for an empty answer (204, or a 2xx with no body) the caller allowed.
    """

    status_code: int
    headers: Mapping[str, str]
    data: Any


_local = threading.local()


def shared_session() -> requests.Session:
    """This thread's HTTP session, kept from call to call (and task to task): its connections
    to a provider stay open (keep-alive) instead of one TCP connection per call. A process
    forked after it was made gets its own (made after the fork)."""
    session = getattr(_local, "session", None)
    if session is None or _local.pid != os.getpid():
        session = requests.Session()
        # requests reads the environment on every request (proxies, netrc, CA bundle): here
        # once. With a NO_PROXY list it is left to do so, the list is per host.
        if not (os.environ.get("no_proxy") or os.environ.get("NO_PROXY")):
            session.trust_env = False
            session.proxies = {
                scheme: url for scheme, url in urllib.request.getproxies().items() if scheme != "no"
            }
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle:
                session.verify = bundle
        _local.session, _local.pid = session, os.getpid()
    return session


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
        self.session = session or shared_session()
        self.observers = list(observers)

    # --- hooks for subclasses --------------------------------------------------------------
    def encode_body(self, body: Mapping[str, Any] | None) -> bytes:
        return b"" if body is None else json.dumps(body).encode()

    def auth_headers(self, method: str, payload: bytes) -> dict[str, str]:
        return {}

    def reauthenticate(self) -> bool:
        """Called once when a request is answered 401: renew the credentials (a bearer token
        from a login call, say) and return True to have the request sent once more."""
        return False

    def error_for(self, response: requests.Response) -> ProviderError:
        """The error for a non-2xx answer; providers refine it from their error bodies."""
        status = response.status_code
        message = f"HTTP {status}"
        if status == 429:
            return RateLimitedError(message, retry_after=None, status_code=status)
        if status >= 500:
            return TransientProviderError(message, status_code=status)
        if status in (401, 403):
            return AuthenticationError(message, status_code=status)
        return PermanentProviderError(message, status_code=status)

    def unwrap(self, document: Any) -> Any:
        return document

    def redact(self, body: Mapping[str, Any] | None) -> Any:
        """What of a request body may be stored: by default identity numbers and secrets
        masked (by their key's name), long strings (inline documents) and URL queries
        (presigned links) left out. A provider may know its fields better."""
        return None if body is None else redact_by_name(body)

    # --- the request path ------------------------------------------------------------------
    def request(self, method: str, path: str, **options: Any) -> Any:
        """Send one signed request (options: send()'s); return the unwrapped success data or
        raise ProviderError."""
        return self.send(method, path, **options).data

    def send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        endpoint: str | None = None,
        attempt: int = 1,
        headers: Mapping[str, str] | None = None,
        expect_body: bool = True,
        also_ok: frozenset[int] = frozenset(),
    ) -> Answer:
        """Like request(), with the answer's status and headers (Location, rate limits...).

        `headers` are sent as well (an idempotency key, say), never over the signing or
        authentication headers; `expect_body=False` accepts a 204 or an empty 2xx; `also_ok`
        are other statuses that answer with the resource (a 303 "it exists already", say):
        redirects are never followed. A 401 is retried once after reauthenticate() renewed
        the credentials.
        """
        call = _Call(method, path, body, endpoint or path, attempt, dict(headers or {}), also_ok)
        try:
            return self._once(call, expect_body)
        except AuthenticationError as exc:
            if exc.status_code != 401 or not self.reauthenticate():
                raise
        return self._once(call, expect_body)

    def _once(self, call: _Call, expect_body: bool) -> Answer:
        payload = self.encode_body(call.body)
        headers = {"Accept": "application/json", **call.headers}
        headers.update(self.auth_headers(call.method, payload))
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        status_code: int | None = None
        error: ProviderError | None = None
        try:
            response = self._send(
                call.method, call.path, payload if call.body is not None else None, headers
            )
            status_code = response.status_code
            return self._handle(response, expect_body, call.also_ok)
        except ProviderError as exc:
            error = exc
            raise
        finally:
            self._notify(
                CallRecord(
                    provider=self.provider,
                    method=call.method,
                    endpoint=call.endpoint,
                    status_code=status_code,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    error=None if error is None else f"{error.code}: {error.message}"[:500],
                    request_body=self.redact(call.body),
                    attempt=call.attempt,
                )
            )

    def _send(
        self, method: str, path: str, payload: bytes | None, headers: dict[str, str]
    ) -> requests.Response:
        url = self.base_url + path
        try:
            return self.session.request(
                method,
                url,
                data=payload,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TransientProviderError(f"timed out after {self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise TransientProviderError(f"connection failed ({type(exc).__name__})") from None

    def _handle(
        self, response: requests.Response, expect_body: bool, also_ok: frozenset[int]
    ) -> Answer:
        if not 200 <= response.status_code < 300 and response.status_code not in also_ok:
            raise self.error_for(response)
        if not response.content.strip():
            if expect_body:
                raise InvalidResponseError(
                    "the success answer is empty", status_code=response.status_code
                )
            return Answer(response.status_code, response.headers, None)
        try:
            document = response.json()
        except ValueError:
            raise InvalidResponseError(
                "the success answer is not JSON", status_code=response.status_code
            ) from None
        return Answer(response.status_code, response.headers, self.unwrap(document))

    def _notify(self, record: CallRecord) -> None:
        for observer in self.observers:
            try:
                observer(record)
            except Exception:
                # Recording must never turn a call the provider answered into a failure.
                logger.exception("call observer failed for %s %s", record.method, record.endpoint)


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    body: Mapping[str, Any] | None
    endpoint: str
    attempt: int
    headers: dict[str, str]
    also_ok: frozenset[int] = frozenset()


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _DuplicateKey
    return document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_object(body: bytes, malformed: type[InvalidWebhookError]) -> dict[str, Any]:
    """A webhook body as a JSON object, or the provider's `malformed` error (a 400).

    Strict, so that what we apply is what the sender meant and what is stored is what came:
    UTF-8 only (json.loads would also take UTF-16 and UTF-32, and a BOM), no NaN or
    Infinity, and no key given twice (which parsers resolve differently: the signed
    reading and ours could differ).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed("the body is not UTF-8") from None
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except _DuplicateKey:
        raise malformed("the body gives a key twice") from None
    except ValueError:
        raise malformed("the body is not JSON") from None
    if not isinstance(document, dict):
        raise malformed("the body is not a JSON object")
    return document


def validated(model: Any, data: Any, endpoint: str) -> Any:
    """A success answer read into `model` (a pydantic model or TypeAdapter), or an
    InvalidResponseError naming the first problems (a transient error: retried)."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise InvalidResponseError(f"unexpected {endpoint} answer: {problems}"[:500]) from None


def problem_body(response: requests.Response) -> dict[str, Any]:
    """An error answer's JSON object (RFC 7807 problem, or the like), {} when it has none."""
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def quoted(value: str) -> str:
    """An id as one URL path segment."""
    return quote(value, safe="")
