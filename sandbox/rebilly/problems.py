"""RFC 7807 problem answers (fact sheet §9): `{type, title, status, detail}` and friends.

Handlers raise `Problem`; the app renders it as JSON with the status and any headers. The
titles are the spec's ProblemTypes; 422 adds `invalidFields: [{field: "dot.path", message}]`.
"""

from __future__ import annotations

from typing import Any

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Validation error",
    429: "Rate Limit Exceeded",
    500: "Internal Server Error",
}


def problem_body(status: int, detail: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return body


class Problem(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(f"{status} {detail}")
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return problem_body(self.status, self.detail, **self.extra)


def not_found(what: str, resource_id: str) -> Problem:
    return Problem(404, f"{what} {resource_id!r} was not found.")


def invalid(fields: list[dict[str, str]], detail: str = "Invalid data sent.") -> Problem:
    return Problem(422, detail, invalidFields=fields)


def invalid_field(field: str, message: str) -> Problem:
    return invalid([{"field": field, "message": message}])
