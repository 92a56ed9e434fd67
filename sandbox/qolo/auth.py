"""The login and the Bearer token (fact sheet §2; its contract is open question 1).

`POST /api/v1/auth/login` takes a JSON object with `login_id`/`api_key` (the spec's tag
text) or `loginid`/`apikey` (the live getting-started page): runtime option `login_keys`,
"both" (default), "snake" or "flat". Keys of the other style, and any extra key, are
ignored, so sending the wrong style is a 401 like any missing credential. The answer is
`{<token_field>: token, token_type: "Bearer", expires_in: seconds}` at the top level or,
with `token_envelope: "data"`, under `data`; `token_field` is "token" (default),
"access_token" or "jwt". Tokens are opaque, stored (a restart keeps them) and live
`token_ttl` seconds (12 h); a missing, unknown or expired Bearer token is a 401
ProblemDetails with `WWW-Authenticate: Bearer`.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from sandbox.qolo.problems import Problem, invalid_field
from sandbox.qolo.runtime import Runtime

KEY_STYLES: dict[str, tuple[tuple[str, str], ...]] = {
    "snake": (("login_id", "api_key"),),
    "flat": (("loginid", "apikey"),),
}
KEY_STYLES["both"] = KEY_STYLES["snake"] + KEY_STYLES["flat"]


def _unauthorized(detail: str, error: str | None = None) -> Problem:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return Problem(401, detail, headers={"WWW-Authenticate": challenge})


def claimed_login(rt: Runtime, body: Any) -> str | None:
    """The login id a login body names (for the request log), whatever its key style."""
    if not isinstance(body, dict):
        return None
    for id_key, _ in KEY_STYLES[rt.config.login_keys]:
        if isinstance(body.get(id_key), str):
            return str(body[id_key])
    return None


def login(rt: Runtime, body: Any) -> tuple[str, dict[str, Any]]:
    """(login id, the answer body); a 401 for missing or wrong credentials."""
    if not isinstance(body, dict):
        raise invalid_field("$", "The JSON value could not be converted to LoginRequest.")
    config = rt.config
    found = None
    for id_key, secret_key in KEY_STYLES[config.login_keys]:
        login_id, api_key = body.get(id_key), body.get(secret_key)
        if isinstance(login_id, str) and isinstance(api_key, str):
            found = rt.login(login_id, api_key)
            if found is not None:
                break
    if found is None:
        raise _unauthorized("Invalid login id or API key.")
    token = secrets.token_urlsafe(32)
    ttl = config.token_ttl
    rt.store.add_token(token, found.login_id, time.time() + ttl)
    answer: dict[str, Any] = {
        config.token_field: token,
        "token_type": "Bearer",
        "expires_in": int(ttl) if float(ttl).is_integer() else ttl,
    }
    if config.token_envelope == "data":  # noqa: S105 - an option value
        return found.login_id, {"data": answer}
    return found.login_id, answer


def authenticate(rt: Runtime, header: str) -> str:
    """The login id behind `Authorization: Bearer <token>`; a 401 otherwise."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Send the access token as 'Authorization: Bearer <token>'.")
    row = rt.store.token(token.strip())
    if row is None:
        raise _unauthorized("The access token is invalid.", "invalid_token")
    if row["expires"] <= time.time():
        raise _unauthorized("The access token expired.", "invalid_token")
    return str(row["login_id"])
