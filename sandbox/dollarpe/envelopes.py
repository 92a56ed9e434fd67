"""DollarPe response envelopes (fact sheet §3) and the error type the handlers raise."""

from __future__ import annotations

from typing import Any

INTERNAL_ERROR_BODY: dict[str, Any] = {
    # The 500 envelope really uses `success`, not `status` (§3.3).
    "success": False,
    "message": "Internal Server Error",
    "errors": "Unexpected error occurred. Please try again later.",
    "data": None,
}

_MESSAGES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
}


def success(data: Any) -> dict[str, Any]:
    return {"status": True, "message": "Success", "data": data}


def failure(status: int, errors: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": False,
        "message": _MESSAGES.get(status, "Bad Request"),
        "data": None,
        "errors": errors,
    }


class ApiError(Exception):
    """A non-2xx DollarPe answer; `errors` is the DRF-style field → messages mapping."""

    def __init__(self, errors: dict[str, Any], status: int = 400) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return failure(self.status, self.errors)


def bad_request(field: str, text: str) -> ApiError:
    return ApiError({field: [text]})


def customer_not_found() -> ApiError:
    # Same answer for unknown ids and other organisations' customers, so ids don't leak.
    return bad_request("customer", "Customer not found or access denied")
