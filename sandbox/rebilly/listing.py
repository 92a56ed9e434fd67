"""Rebilly collections: `limit`, `offset`, `filter`, `sort` over a list of resources.

The answer is a bare JSON array with `Pagination-Total/-Limit/-Offset` headers (fact sheet
§1). The filter syntax is `field:value1,value2;field2:value` (open question 5: our reading of
"`,` separates allowed values, `;` separates fields"); values compare as strings, so
`hasFulfilledKyc:true` works too. An unknown field or a bad number is a 422: the spec
documents no error for collections, but silently ignoring a client's bad query would hide
its bug (our choice).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.rebilly.problems import invalid_field

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    def headers(self) -> dict[str, str]:
        return {
            "Pagination-Total": str(self.total),
            "Pagination-Limit": str(self.limit),
            "Pagination-Offset": str(self.offset),
        }


def _number(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) > MAX_LIMIT:
        raise invalid_field(name, f"This value should be between 0 and {MAX_LIMIT}.")
    return int(raw)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _sort_key(value: Any) -> tuple[int, float, str]:
    if value is None:
        return (2, 0.0, "")
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def parse_filter(raw: str, fields: Collection[str]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for part in filter(None, (part.strip() for part in raw.split(";"))):
        name, sep, values = part.partition(":")
        if not sep or name not in fields:
            raise invalid_field("filter", f"Cannot filter on {name!r}.")
        wanted[name] = {value.strip() for value in values.split(",")}
    return wanted


def page(
    items: list[dict[str, Any]],
    args: Mapping[str, str],
    *,
    fields: Collection[str],
    default_limit: int,
) -> Page:
    wanted = parse_filter(args.get("filter", ""), fields)
    chosen = [
        item
        for item in items
        if all(_text(item.get(name)) in values for name, values in wanted.items())
    ]
    for key in reversed([key.strip() for key in args.get("sort", "").split(",") if key.strip()]):
        name = key.lstrip("-")
        if name not in fields:
            raise invalid_field("sort", f"Cannot sort on {name!r}.")
        # Stable sorts applied last key first give a multi-key sort.
        chosen.sort(key=lambda item: _sort_key(item.get(name)), reverse=key.startswith("-"))
    limit = _number(args, "limit", min(default_limit, MAX_LIMIT))
    offset = _number(args, "offset", 0)
    return Page(chosen[offset : offset + limit], len(chosen), limit, offset)
