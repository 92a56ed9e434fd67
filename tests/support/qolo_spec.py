"""Qolo's staging OpenAPI plus the live PerformKYC page's fields, as a contract-test fixture.

Two files, read where the fact sheets keep them (`../shared/providers/qolo/spec/` beside the
checkout), never copied into this repository (no licence covers them):

- `qolo-persons-kyc-webhooks.openapi-excerpt.yaml`: the 2022 staging OpenAPI 3.0.1 excerpt
  (persons, KYC, webhooks; every DTO `additionalProperties: false`);
- `qolo-perform-kyc-live-delta.json`: the fields only the live PerformKYC page has. Each
  `add` is merged into the `properties` of the schema it names (VerificationRequest,
  Document, ClientVerification, PersonVerificationResultDetail), so those fields are allowed
  and `additionalProperties: false` still refuses anything else.

OpenAPI 3.0's `nullable: true` becomes a JSON Schema `"null"` type (or `null` in an `enum`,
or an `anyOf` beside a `$ref`); the document is then checked with Draft 2020-12 and the
OpenAPI rules of tests/support/openapi.py (shared with rebilly_spec.py), formats included
(`uuid`, `date-time`). A path is a concrete one or a URL (`/api/v1/persons/<uuid>/kyc`, or
relative to `/api/v1`); it is matched to its template, the most literal first.

The login (`POST /api/{version}/auth/login`) is not in the spec (API.md open question 1):
`operation` answers a stand-in operation marked `x-unspecified`, and `validate_request` /
`validate_response` check nothing for it, on purpose (see UNSPECIFIED). Everything else
raises jsonschema.ValidationError naming the operation and the failing place.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support import openapi
from tests.support.openapi import METHODS

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared/providers/qolo/spec"
SPEC_FILE = SPEC_DIR / "qolo-persons-kyc-webhooks.openapi-excerpt.yaml"
DELTA_FILE = SPEC_DIR / "qolo-perform-kyc-live-delta.json"
API_PREFIX = "/api/v1"
LOGIN = "/api/{version}/auth/login"
# Calls the spec has no path for, and why they are not checked.
UNSPECIFIED = {
    ("POST", LOGIN): (
        "the staging spec has no /auth/login path: its method, body keys and answer are "
        "undocumented (API.md open question 1), so there is nothing to check them against"
    ),
}


def _files() -> tuple[Path, Path]:
    missing = [path for path in (SPEC_FILE, DELTA_FILE) if not path.is_file()]
    if missing:
        raise RuntimeError(
            f"Qolo's spec extracts are missing: {', '.join(map(str, missing))} (the fact "
            "sheets' ../shared folder beside the clone, providers/qolo/spec)"
        )
    return SPEC_FILE, DELTA_FILE


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: `nullable: true` allows null; everything else as is."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _nullable(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        if "$ref" in converted:
            return {"anyOf": [{"$ref": converted.pop("$ref")}, {"type": "null"}], **converted}
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
    return converted


def _merge_delta(document: dict[str, Any], delta: Mapping[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name, change in delta.items():
        if name.startswith(("x-", "responses_", "webhook_")) or "add" not in change:
            continue
        if name not in schemas:
            raise RuntimeError(f"the live delta names {name!r}, which the spec lacks")
        properties = schemas[name].setdefault("properties", {})
        for field, schema in change["add"].items():
            if field in properties:
                raise RuntimeError(f"the live delta adds {name}.{field}, which the spec has")
            properties[field] = copy.deepcopy(schema)


@functools.cache
def document() -> dict[str, Any]:
    """The merged, converted spec (a JSON Schema-ready OpenAPI document)."""
    spec_file, delta_file = _files()
    with spec_file.open(encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    with delta_file.open(encoding="utf-8") as handle:
        delta = json.load(handle)
    _merge_delta(spec, delta)
    converted: dict[str, Any] = _nullable(spec)
    return converted


_files()  # fail at import, loudly, when the extracts are not beside the checkout (never skip)
_URI = SPEC_FILE.as_uri()
_REGISTRY: Registry[Any] = Registry().with_resource(
    _URI, Resource.from_contents(document(), default_specification=DRAFT202012)
)


@functools.cache
def _validator(pointer: str, mode: str) -> Any:
    return openapi.validator(_REGISTRY, f"{_URI}#{pointer}", mode)


def _check(parts: tuple[str, ...], mode: str, instance: Any, context: str) -> None:
    openapi.check(_validator(openapi.pointer(parts), mode), instance, context)


# --- paths ----------------------------------------------------------------------------------


def _concrete(path: str) -> str:
    relative = urlsplit(path).path or "/"
    if not relative.startswith("/"):
        relative = "/" + relative
    return relative if relative.startswith("/api/") else API_PREFIX + relative


def unspecified(method: str, path: str) -> str | None:
    """Why a call is not checked (it has no path in the spec), or None when it is."""
    concrete = _concrete(path)
    for (verb, template), reason in UNSPECIFIED.items():
        if verb == method.upper() and openapi.matches(template, concrete):
            return reason
    return None


def _find(method: str, path: str) -> tuple[str, dict[str, Any]]:
    concrete = _concrete(path)
    paths = document()["paths"]
    found = openapi.candidates(paths, concrete)
    for template in found:
        operation = paths[template].get(method.lower())
        if isinstance(operation, dict):
            return template, operation
    if found:
        raise ValidationError(f"{method.upper()} {found[0]} is not an operation of the spec")
    raise ValidationError(f"{method.upper()} {concrete}: no such path in the spec")


def operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """(path template, operation object) of a concrete call, e.g.
    ("/api/{version}/persons/{person_guid}/kyc", {...}); the login gets a stand-in marked
    `x-unspecified` with the reason it is not checked."""
    reason = unspecified(method, path)
    if reason is not None:
        return LOGIN, {"operationId": "Login", "x-unspecified": reason}
    return _find(method, path)


def _check_path_parameters(template: str, found: Mapping[str, Any], path: str) -> None:
    # The template matched the path: as many segments on both sides.
    segments = zip(
        template.strip("/").split("/"), _concrete(path).strip("/").split("/"), strict=True
    )
    values = dict(segments)
    for parameter in found.get("parameters") or []:
        if parameter.get("in") != "path":
            continue
        value = values.get("{" + parameter["name"] + "}")
        if value is None:
            continue
        checker = openapi.validator(_REGISTRY, _URI, "request").evolve(
            schema=parameter.get("schema") or {}
        )
        openapi.check(checker, value, f"path parameter {parameter['name']}")


def validate_request(method: str, path: str, body: Any) -> None:
    """The body we send (and the path's parameters: `person_guid` a UUID...)."""
    if unspecified(method, path) is not None:
        return
    template, found = _find(method, path)
    context = f"{method.upper()} {template} request"
    _check_path_parameters(template, found, path)
    media = openapi.request_media(found.get("requestBody"), body, context)
    if media is None:
        return
    parts = ("paths", template, method.lower(), "requestBody", "content", media, "schema")
    _check(parts, "request", body, context)


def validate_response(
    method: str,
    path: str,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
) -> None:
    """An answer: documented status and body shape (the spec declares no headers: `headers`
    is accepted for rebilly_spec's signature and not checked)."""
    if unspecified(method, path) is not None:
        return
    template, found = _find(method, path)
    context = f"{method.upper()} {template} {status}"
    responses = found.get("responses") or {}
    key = openapi.response_key(responses, status, f"{method.upper()} {template}")
    media = openapi.response_media(responses[key], body, context)
    if media is None:
        return
    parts = ("paths", template, method.lower(), "responses", key, "content", media, "schema")
    _check(parts, "response", body, context)


def schema(name: str, *, mode: str = "response") -> Any:
    """A validator of `components/schemas/<name>` (e.g. "PersonDTO", "ProblemDetails"), live
    fields merged; `mode` "request" checks a body we would send."""
    if name not in document()["components"]["schemas"]:
        raise ValidationError(f"no schema {name!r} in the spec")
    return _validator(openapi.pointer(("components", "schemas", name)), mode)


__all__ = [
    "METHODS",
    "UNSPECIFIED",
    "document",
    "operation",
    "schema",
    "unspecified",
    "validate_request",
    "validate_response",
]
