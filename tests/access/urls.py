"""Every URL of a namespace, read from the URLconf, with its parameters filled in.

Tests walk what the URLconf routes rather than a list kept by hand, so a page added
later is checked without anyone remembering to add it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    namespace: str
    name: str | None
    route: str  # the pattern text from the site root, e.g. "verify/documents/<int:document_id>/"
    parameters: tuple[str, ...]
    is_regex: bool

    @property
    def label(self) -> str:
        return f"{self.namespace}:{self.name}" if self.name else f"{self.namespace} {self.route}"


def routes(namespace: str) -> list[Route]:
    return [r for r in _walk(get_resolver().url_patterns, None, "") if r.namespace == namespace]


def _walk(patterns: list[Any], namespace: str | None, prefix: str) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            yield from _walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and namespace is not None:
            regex = not isinstance(entry.pattern, RoutePattern)
            names = tuple(entry.pattern.regex.groupindex)
            yield Route(namespace, entry.name, prefix + str(entry.pattern), names, regex)


def url_of(route: Route, value_of: Callable[[Route, str], str]) -> str:
    """The URL of `route`, each parameter given by `value_of(route, parameter)`."""
    values = {parameter: value_of(route, parameter) for parameter in route.parameters}
    if route.name:
        return reverse(route.label, kwargs=values)
    if route.is_regex:
        raise LookupError(f"unnamed regex route {route.route!r}: give it a name or a URL")
    return "/" + PARAMETER.sub(lambda match: values[match.group(1)], route.route)
