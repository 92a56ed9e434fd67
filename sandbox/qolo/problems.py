"""ProblemDetails answers (fact sheet §9), shaped as ASP.NET Core writes them.

`{type, title, status, detail, instance, traceId}`; a validation failure adds
`errors: {"person_details.first_name": ["The field first_name must be ..."]}` (array items as
`identifications[0].govt_id_type`). Handlers raise `Problem`; the app renders it with the
request path as `instance`. 500s have no body (the spec declares none).
"""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import Any

_RFC7231 = "https://tools.ietf.org/html/rfc7231#section-"
TYPES = {
    400: _RFC7231 + "6.5.1",
    401: "https://tools.ietf.org/html/rfc7235#section-3.1",
    403: _RFC7231 + "6.5.3",
    404: _RFC7231 + "6.5.4",
    405: _RFC7231 + "6.5.5",
    409: _RFC7231 + "6.5.8",
    413: _RFC7231 + "6.5.11",
    415: _RFC7231 + "6.5.13",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
}
VALIDATION_TITLE = "One or more validation errors occurred."
VALIDATION_DETAIL = "See the errors property for details."

Errors = dict[str, list[str]]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def trace_id() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


class Problem(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Errors | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {detail}")
        self.status = status
        self.detail = detail
        self.errors = errors
        self.title = title or _phrase(status)
        self.headers = headers or {}

    def body(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPES.get(self.status, _RFC7231 + "6.5.1"),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "traceId": trace_id(),
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def invalid(errors: Errors) -> Problem:
    """The 400 of a body that failed validation: every problem at once."""
    return Problem(400, VALIDATION_DETAIL, errors=errors, title=VALIDATION_TITLE)


def invalid_field(path: str, message: str) -> Problem:
    return invalid({path: [message]})


def person_not_found() -> Problem:
    return Problem(404, "Person not found")


def program_not_found() -> Problem:
    return Problem(404, "Program not found")
