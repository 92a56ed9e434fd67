"""Rebilly's published OpenAPI (api-definitions @ 657cabcf) as a contract-test fixture.

The spec is read where the fact sheets keep it, `../shared` beside the checkout, never copied
into this repository (Rebilly's API licence). It is OpenAPI 3.1 split into YAML files joined
by relative `$ref`s; they are resolved with `referencing` and validated with Draft 2020-12
plus the OpenAPI rules plain JSON Schema lacks (tests/support/openapi.py, shared with
qolo_spec.py):

- `readOnly` properties are not required in a request and must not be sent; `writeOnly`
  ones are not required in a response and must not be returned (an explicit
  `readOnly: false` beside them in an `allOf`, as PostWebhookCredential has, wins);
- a `oneOf` with a `discriminator` validates against the mapped schema only (KycDocument's
  five variants would otherwise all match and fail `oneOf`);
- a PATCH body is partial: nothing in it is required.

Paths are relative to `/organizations/{organizationId}`; a concrete path or URL such as
`http://host/organizations/org-x/kyc-requests/kyc_req_1` is matched to its template. The
extract has no openapi.yaml, so when it is missing the `paths:` and `webhooks:` maps are
rebuilt from the file names (`paths/kyc-requests@{id}.yaml` is `/kyc-requests/{id}`,
`webhooks/kyc-request-fulfilled.yaml` the `kyc-request-fulfilled` webhook).

Every check raises jsonschema.ValidationError naming the operation and the failing place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from jsonschema import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support import openapi
from tests.support.openapi import METHODS

SPEC_ROOT = (
    Path(__file__).resolve().parents[3] / "shared/providers/rebilly/spec/api-definitions/openapi"
)
_ORG_PREFIX = re.compile(r"^/organizations/[^/]+")


def _root() -> Path:
    if not (SPEC_ROOT / "paths").is_dir():
        raise RuntimeError(
            f"Rebilly's published spec is missing: {SPEC_ROOT} (the fact sheets' ../shared "
            "folder beside the clone, providers/rebilly/spec/api-definitions/openapi)"
        )
    return SPEC_ROOT


@functools.cache
def _load(uri: str) -> Any:
    path = Path(unquote(urlsplit(uri).path))
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _retrieve(uri: str) -> Resource[Any]:
    return Resource.from_contents(_load(uri), default_specification=DRAFT202012)


_root()  # fail at import, loudly, when the spec is not beside the checkout (never skip)
_REGISTRY: Registry[Any] = Registry(retrieve=_retrieve)  # type: ignore[call-arg]


def _uri(relative: str) -> str:
    return (_root() / relative).as_uri()


@functools.cache
def _validator(uri: str, pointer: str, mode: str) -> Any:
    return openapi.validator(_REGISTRY, f"{uri}#{pointer}", mode)


def _check(uri: str, pointer: str, mode: str, instance: Any, context: str) -> None:
    openapi.check(_validator(uri, pointer, mode), instance, context)


# --- paths and webhooks ---------------------------------------------------------------------


@functools.cache
def _paths() -> dict[str, str]:
    """Path template → URI of its path-item file."""
    root = _root()
    index = root / "openapi.yaml"
    if index.is_file():
        document = _load(index.as_uri())
        return {
            template: urljoin(index.as_uri(), item["$ref"])
            for template, item in (document.get("paths") or {}).items()
            if isinstance(item, dict) and "$ref" in item
        }
    found = {}
    for path in sorted((root / "paths").rglob("*.yaml")):
        relative = path.relative_to(root / "paths").with_suffix("").as_posix()
        found["/" + relative.replace("@", "/")] = path.as_uri()
    return found


@functools.cache
def _webhooks() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Event type → where its webhook entry is (file URI, pointer parts)."""
    root = _root()
    index = root / "openapi.yaml"
    if index.is_file():
        entries = _load(index.as_uri()).get("webhooks") or {}
        return {name: (index.as_uri(), ("webhooks", name)) for name in entries}
    return {path.stem: (path.as_uri(), ()) for path in sorted((root / "webhooks").glob("*.yaml"))}


def _relative_path(path: str) -> str:
    parts = urlsplit(path)
    relative = _ORG_PREFIX.sub("", parts.path) or "/"
    return relative if relative.startswith("/") else "/" + relative


def _find(method: str, path: str) -> tuple[str, str, dict[str, Any]]:
    relative = _relative_path(path)
    # The most literal template wins (`/tracking/webhooks` over `/{a}/{b}`).
    candidates = openapi.candidates(_paths(), relative)
    for template in candidates:
        uri = _paths()[template]
        operation = _load(uri).get(method.lower())
        if isinstance(operation, dict):
            return template, uri, operation
    if candidates:
        raise ValidationError(f"{method.upper()} {candidates[0]} is not an operation of the spec")
    raise ValidationError(f"{method.upper()} {relative}: no such path in the spec")


def _follow(uri: str, parts: tuple[str, ...], node: Any) -> tuple[str, tuple[str, ...], Any]:
    """Follow a `$ref` standing for a whole response/request body/header object."""
    for _ in range(10):
        if not (isinstance(node, dict) and "$ref" in node):
            break
        target = urljoin(uri, node["$ref"])
        uri, _, fragment = target.partition("#")
        parts = tuple(p for p in fragment.split("/") if p)
        node = _load(uri)
        for part in parts:
            node = node[part]
    return uri, parts, node


def operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """(path template, operation object) of a concrete call, e.g. ("/kyc-requests/{id}", {...})."""
    template, _, found = _find(method, path)
    return template, found


def _response_object(
    method: str, path: str, status: int
) -> tuple[str, str, tuple[str, ...], dict[str, Any]]:
    template, uri, found = _find(method, path)
    responses = found.get("responses") or {}
    key = openapi.response_key(responses, status, f"{method.upper()} {template}")
    parts: tuple[str, ...] = (method.lower(), "responses", key)
    uri, parts, response = _follow(uri, parts, responses[key])
    return template, uri, parts, response


def validate_request(method: str, path: str, body: Any) -> None:
    """The body we send: shape, formats, no read-only fields (PATCH: nothing required)."""
    template, uri, found = _find(method, path)
    context = f"{method.upper()} {template} request"
    request_body = found.get("requestBody")
    parts: tuple[str, ...] = ()
    if request_body is not None:
        uri, parts, request_body = _follow(uri, (method.lower(), "requestBody"), request_body)
    media = openapi.request_media(request_body, body, context)
    if media is None:
        return
    pointer = openapi.pointer((*parts, "content", media, "schema"))
    _check(uri, pointer, "patch" if method.upper() == "PATCH" else "request", body, context)


def _check_headers(
    uri: str, parts: tuple[str, ...], response: Mapping[str, Any], headers: Mapping[str, str]
) -> None:
    given = {name.lower(): value for name, value in headers.items()}
    for name, header in (response.get("headers") or {}).items():
        value = given.get(name.lower())
        if value is None:
            continue
        header_uri, header_parts, resolved = _follow(uri, (*parts, "headers", name), header)
        kind = (resolved.get("schema") or {}).get("type")
        typed: Any = value
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise ValidationError(f"header {name}: {value!r} is not an integer")
            typed = int(value)
        pointer = openapi.pointer((*header_parts, "schema"))
        _check(header_uri, pointer, "response", typed, f"header {name}")


def validate_response(
    method: str,
    path: str,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
) -> None:
    """An answer: documented status, body shape (no write-only fields), typed headers."""
    template, uri, parts, response = _response_object(method, path, status)
    context = f"{method.upper()} {template} {status}"
    media = openapi.response_media(response, body, context)
    if media is not None:
        schema_pointer = openapi.pointer((*parts, "content", media, "schema"))
        _check(uri, schema_pointer, "response", body, context)
    if headers is not None:
        _check_headers(uri, parts, response, headers)


def validate_webhook(event_type: str, body: Any) -> None:
    """A webhook body Rebilly sends for `event_type` (openapi.yaml `webhooks:`)."""
    location = _webhooks().get(event_type)
    if location is None:
        raise ValidationError(f"{event_type!r} is not a webhook of the spec")
    uri, parts = location
    node = _load(uri)
    for part in parts:
        node = node[part]
    uri, parts, node = _follow(uri, parts, node)
    # A webhook entry is a path item (its operation under `post`) or the operation itself.
    method = next((m for m in METHODS if isinstance(node.get(m), dict)), None)
    if method is not None:
        uri, parts, node = _follow(uri, (*parts, method), node[method])
    if "requestBody" not in node:
        raise ValidationError(f"webhook {event_type}: no request body is documented")
    uri, parts, node = _follow(uri, (*parts, "requestBody"), node["requestBody"])
    media = openapi.json_media(node)
    if media is None:
        raise ValidationError(f"webhook {event_type}: no JSON body is documented")
    context = f"webhook {event_type}"
    _check(uri, openapi.pointer((*parts, "content", media, "schema")), "response", body, context)
    if isinstance(body, dict) and body.get("eventType") != event_type:
        raise ValidationError(f"{context}: eventType is {body.get('eventType')!r}")


def schema(name: str, *, mode: str = "response") -> Any:
    """A validator of `components/schemas/<name>.yaml` (e.g. "KycRequest",
    "ProblemTypes/Problem"); `mode` "request" or "patch" checks a body we would send."""
    path = _root() / "components" / "schemas" / f"{name}.yaml"
    if not path.is_file():
        raise ValidationError(f"no schema {name!r} in the spec")
    return _validator(path.as_uri(), "", mode)
