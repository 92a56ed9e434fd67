"""The Qolo client: a Bearer token from /auth/login, kept in the shared cache, and one
method per call we make (API.md §2-§7), over the shared request path.

The login contract is not documented (API.md open question 1): the body's key names are
a setting, and the token is read from `token`, `access_token` or `jwt`, at the top level
or under `data`. A token is reused for its life (12 hours [GS]) less a margin, by every
process (the cache is shared); a 401 drops it and logs in again, once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import requests
from django.core.cache import cache
from pydantic import BaseModel

from kyc.providers.base import CallObserver, ProviderHttpClient, problem_body, quoted, validated
from kyc.providers.errors import (
    AuthenticationError,
    InvalidResponseError,
    NotFoundError,
    PermanentProviderError,
    ProviderError,
    RateLimitedError,
    TransientProviderError,
)
from kyc.providers.qolo.types import (
    CreatedPerson,
    KycResult,
    Page,
    Person,
    Subscription,
    Subscriptions,
)
from kyc.providers.redaction import mask, redact_by_name

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
LOGIN_KEYS = {"snake": ("login_id", "api_key"), "flat": ("loginid", "apikey")}
TOKEN_FIELDS = ("token", "access_token", "jwt")
IMAGES = frozenset({"front", "back", "face_image"})


class QoloClient(ProviderHttpClient):
    provider = "qolo"

    def __init__(
        self,
        *,
        base_url: str,
        login_id: str,
        api_key: str,
        login_keys: str = "snake",
        token_ttl: int = 12 * 3600,
        token_margin: int = 600,
        timeout: float = 15.0,
        session: requests.Session | None = None,
        observers: Sequence[CallObserver] = (),
    ) -> None:
        super().__init__(
            base_url=f"{base_url.rstrip('/')}/api/v1",
            timeout=timeout,
            session=session,
            observers=observers,
        )
        self._login_id = login_id
        self._api_key = api_key
        self._login_keys = LOGIN_KEYS[login_keys]
        self._token_life = max(token_ttl - token_margin, 30)
        self._margin = token_margin
        self._logging_in = False
        self._sent_token = ""
        # One token per host and login, whichever process asks.
        identity = hashlib.sha256(f"{self.base_url}|{login_id}".encode()).hexdigest()[:24]
        self.cache_key = f"qolo:token:{identity}"

    @classmethod
    def from_settings(cls, *, observers: Sequence[CallObserver] = ()) -> QoloClient:
        from django.conf import settings

        return cls(
            base_url=settings.QOLO_BASE_URL,
            login_id=settings.QOLO_LOGIN_ID,
            api_key=settings.QOLO_API_KEY,
            login_keys=settings.QOLO_LOGIN_KEYS,
            token_ttl=settings.QOLO_TOKEN_TTL,
            token_margin=settings.QOLO_TOKEN_MARGIN,
            timeout=settings.QOLO_TIMEOUT,
            observers=observers,
        )

    # --- the token ---------------------------------------------------------------------------
    def auth_headers(self, method: str, payload: bytes) -> dict[str, str]:
        if self._logging_in:
            return {}
        return {"Authorization": f"Bearer {self._token()}"}

    def _token(self) -> str:
        token = cache.get(self.cache_key)
        if not (isinstance(token, str) and token):
            token = self.login()
        self._sent_token = token
        return token

    def login(self) -> str:
        """A new token from /auth/login, cached for its life less the margin."""
        id_key, secret_key = self._login_keys
        self._logging_in = True
        try:
            answer = self.send(
                "POST",
                "/auth/login",
                body={id_key: self._login_id, secret_key: self._api_key},
                endpoint="auth/login",
            )
        except AuthenticationError as refused:
            # Our credentials themselves: no status of 401, so nothing logs in again for it.
            raise AuthenticationError(f"the login was refused: {refused.message}") from None
        finally:
            self._logging_in = False
        token, lifetime = _read_token(answer.data)
        life = self._token_life if lifetime is None else max(lifetime - self._margin, 30)
        cache.set(self.cache_key, token, timeout=min(life, self._token_life))
        return token

    def reauthenticate(self) -> bool:
        if self._logging_in:
            return False  # the login itself was refused: our credentials are wrong
        # Drop the token only if it is still the one refused: another process may have
        # logged in meanwhile, and its fresh token is left alone.
        if cache.get(self.cache_key) == self._sent_token:
            cache.delete(self.cache_key)
        return True  # the next try reads the cache, or logs in

    # --- errors and records -------------------------------------------------------------------
    def error_for(self, response: requests.Response) -> ProviderError:
        status = response.status_code
        problem = problem_body(response)
        detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")[:500]
        if status == 429:
            return RateLimitedError(detail, retry_after=_seconds(response), status_code=status)
        if status >= 500:
            return TransientProviderError(detail, status_code=status)
        if status in (401, 403):
            return AuthenticationError(detail, status_code=status)
        if status == 404:
            return NotFoundError(detail, status_code=status)
        errors = _errors(problem)
        if errors:  # the field texts say more than the title ("validation errors occurred")
            detail = "; ".join(f"{name}: {texts[0]}" for name, texts in errors.items())[:500]
        return PermanentProviderError(detail, status_code=status, field_errors=errors)

    def redact(self, body: Mapping[str, Any] | None) -> Any:
        """As every provider's, and the challenge answers never kept: only their keys."""
        if body is None:
            return None
        kept = dict(body)
        document = kept.get("document")
        if isinstance(document, dict):  # the images inline, whatever their size
            kept["document"] = {
                name: f"<{len(value)} characters, not kept>" if name in IMAGES else value
                for name, value in document.items()
            }
        if isinstance(kept.get("answers"), list):
            kept["answers"] = [
                {"key": item.get("key"), "answer": mask("")} if isinstance(item, dict) else mask("")
                for item in kept["answers"]
            ]
        return redact_by_name(kept)

    def _call(
        self,
        model: type[M],
        method: str,
        path: str,
        endpoint: str,
        body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"IdempotencyKey": idempotency_key} if idempotency_key else None
        answer = self.send(method, path, body=body, endpoint=endpoint, headers=headers)
        return validated(model, answer.data, endpoint)

    # --- persons and their KYC ----------------------------------------------------------------
    def create_person(self, body: Mapping[str, Any], *, idempotency_key: str) -> Person:
        created = self._call(
            CreatedPerson, "POST", "/persons", "persons/create", body, idempotency_key
        )
        return created.person_details

    def get_person(self, person_guid: str) -> Person:
        return self._call(Person, "GET", f"/persons/{quoted(person_guid)}", "persons/get")

    def search_persons(self, client_reference_id: str) -> list[Person]:
        body = {"client_reference_id": client_reference_id}
        return self._call(Page, "POST", "/persons/search", "persons/search", body).data

    def get_kyc(self, person_guid: str) -> KycResult:
        return self._call(
            KycResult, "GET", f"/persons/{quoted(person_guid)}/kyc", "persons/kyc/get"
        )

    def perform_kyc(
        self, person_guid: str, body: Mapping[str, Any], *, idempotency_key: str
    ) -> KycResult:
        path = f"/persons/{quoted(person_guid)}/kyc"
        return self._call(KycResult, "POST", path, "persons/kyc/perform", body, idempotency_key)

    # --- webhooks ----------------------------------------------------------------------------
    def list_webhooks(self) -> list[Subscription]:
        return self._call(
            Subscriptions, "GET", "/webhooks?limit=100&start_index=1", "webhooks/list"
        ).data

    def create_webhook(self, body: Mapping[str, Any], *, idempotency_key: str) -> Subscription:
        return self._call(
            Subscription, "POST", "/webhooks", "webhooks/create", body, idempotency_key
        )

    def update_webhook(self, notification_guid: str, body: Mapping[str, Any]) -> None:
        path = f"/webhooks/{quoted(notification_guid)}"
        self.send("PUT", path, body=body, endpoint="webhooks/update", expect_body=False)


def _read_token(data: Any) -> tuple[str, int | None]:
    """The token, wherever the answer keeps it, and its life in seconds if it says."""
    for place in (data, data.get("data") if isinstance(data, dict) else None):
        if not isinstance(place, dict):
            continue
        for name in TOKEN_FIELDS:
            token = place.get(name)
            if isinstance(token, str) and token.strip():
                life = place.get("expires_in")
                seconds = int(life) if isinstance(life, int | float) and life > 0 else None
                return token.strip(), seconds
    raise InvalidResponseError("the login answer carries no token")


def _errors(problem: Mapping[str, Any]) -> dict[str, list[str]]:
    """An ASP.NET-style `errors` map {"person_details.first_name": ["..."]}, when present."""
    found = problem.get("errors")
    errors: dict[str, list[str]] = {}
    if isinstance(found, dict):
        for name, texts in found.items():
            items = texts if isinstance(texts, list) else [texts]
            errors[str(name)[:100]] = [str(text)[:300] for text in items if text]
    return errors


def _seconds(response: requests.Response) -> float | None:
    try:
        return max(float(response.headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return None
