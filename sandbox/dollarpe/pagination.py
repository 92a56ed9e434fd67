"""DRF `PageNumberPagination`-style pages: `{count, next, previous, results}` (§3.2).

`?page=` as in DRF; `?page_size=` is our addition [I] (capped at 100, invalid values fall
back to the default, like DRF's `page_size_query_param`). An out-of-range page is DRF's
404 "Invalid page.".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from sandbox.dollarpe.envelopes import ApiError

MAX_PAGE_SIZE = 100


def page_params(args: Mapping[str, str], default_size: int) -> tuple[int, int]:
    size = default_size
    raw_size = args.get("page_size", "")
    if raw_size.isdigit() and int(raw_size) > 0:
        size = min(int(raw_size), MAX_PAGE_SIZE)
    raw_page = args.get("page", "1")
    if raw_page == "last":
        return -1, size
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise invalid_page()
    return int(raw_page), size


def invalid_page() -> ApiError:
    return ApiError({"detail": ["Invalid page."]}, status=404)


def resolve_last(page: int, size: int, count: int) -> int:
    last = max(1, -(-count // size))
    if page == -1:
        return last
    if page > last:
        raise invalid_page()
    return page


def page_body(
    *,
    count: int,
    results: list[dict[str, Any]],
    page: int,
    size: int,
    base_url: str,
    args: Mapping[str, str],
) -> dict[str, Any]:
    last = max(1, -(-count // size))
    link: Callable[[int], str] = lambda number: _link(base_url, args, number)  # noqa: E731
    return {
        "count": count,
        "next": link(page + 1) if page < last else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": results,
    }


def _link(base_url: str, args: Mapping[str, str], number: int) -> str:
    query = {key: value for key, value in args.items() if key != "page"}
    if number > 1:
        query["page"] = str(number)
    return f"{base_url}?{urlencode(query)}" if query else base_url
