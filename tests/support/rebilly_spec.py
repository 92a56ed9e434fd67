"""Rebilly's published OpenAPI (api-definitions @ 657cabcf) as a contract-test fixture.

The spec is read where the fact sheets keep it, `../shared` beside the checkout, never copied
into this repository (Rebilly's API licence). It is OpenAPI 3.1 split into YAML files joined
by relative `$ref`s; they are resolved with `referencing` and validated with Draft 2020-12
plus the OpenAPI rules plain JSON Schema lacks:

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

import contextvars
import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_ROOT = (
    Path(__file__).resolve().parents[3] / "shared/providers/rebilly/spec/api-definitions/openapi"
)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_ORG_PREFIX = re.compile(r"^/organizations/[^/]+")

# (id of the object being validated, property names an allOf branch marks explicitly
# writable/readable again), innermost last; see `_allof`.
_overrides: contextvars.ContextVar[tuple[tuple[int, frozenset[str]], ...]] = contextvars.ContextVar(
    "rebilly_spec_overrides", default=()
)


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


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# --- the OpenAPI keywords JSON Schema lacks -------------------------------------------------


def _flag(resolver: Any, schema: Any, flag: str, depth: int = 0) -> bool | None:
    """True/False when `schema` (through `$ref` and `allOf`) says `flag`, else None."""
    if not isinstance(schema, dict) or depth > 20:
        return None
    if flag in schema:
        return bool(schema[flag])
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        found = _flag(resolved.resolver, resolved.contents, flag, depth + 1)
        if found is not None:
            return found
    for branch in schema.get("allOf", []):
        found = _flag(resolver, branch, flag, depth + 1)
        if found is not None:
            return found
    return None


def _hidden_flag(validator: Any) -> str:
    """The flag whose properties this direction must neither require nor carry."""
    return "readOnly" if validator.rebilly_mode in ("request", "patch") else "writeOnly"


def _overridden(instance: Any, name: str) -> bool:
    return any(key == id(instance) and name in names for key, names in _overrides.get())


def _required(validator: Any, required: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object") or validator.rebilly_mode == "patch":
        return
    flag = _hidden_flag(validator)
    properties = schema.get("properties", {})
    for name in required:
        if name in instance:
            continue
        if _flag(validator._resolver, properties.get(name), flag) and not _overridden(
            instance, name
        ):
            continue
        yield ValidationError(f"{name!r} is a required property")


_BASE = Draft202012Validator.VALIDATORS


def _properties(validator: Any, properties: Any, instance: Any, schema: Any) -> Iterator[Any]:
    yield from _BASE["properties"](validator, properties, instance, schema)
    if not validator.is_type(instance, "object"):
        return
    flag = _hidden_flag(validator)
    what = "read-only: it must not be sent"
    if flag == "writeOnly":
        what = "write-only: it must not be returned"
    for name, subschema in properties.items():
        hidden = name in instance and _flag(validator._resolver, subschema, flag)
        if hidden and not _overridden(instance, name):
            yield ValidationError(f"{name!r} is {what}", path=(name,))


def _allof(validator: Any, all_of: Any, instance: Any, schema: Any) -> Iterator[Any]:
    names: set[str] = set()
    if validator.is_type(instance, "object"):
        flag = _hidden_flag(validator)
        for branch in all_of:
            for name, prop in (
                (branch.get("properties") or {}).items() if isinstance(branch, dict) else ()
            ):
                if _flag(validator._resolver, prop, flag) is False:
                    names.add(name)
    token = _overrides.set((*_overrides.get(), (id(instance), frozenset(names))))
    try:
        yield from _BASE["allOf"](validator, all_of, instance, schema)
    finally:
        _overrides.reset(token)


def _oneof(validator: Any, one_of: Any, instance: Any, schema: Any) -> Iterator[Any]:
    discriminator = schema.get("discriminator") or {}
    name = discriminator.get("propertyName")
    mapping = discriminator.get("mapping")
    if not (name and mapping and validator.is_type(instance, "object")):
        yield from _BASE["oneOf"](validator, one_of, instance, schema)
        return
    if name not in instance:
        yield ValidationError(f"{name!r} is a required property (it picks the schema)")
        return
    target = mapping.get(instance[name]) if isinstance(instance[name], str) else None
    if target is None:
        yield ValidationError(f"{name} {instance[name]!r} is not one of {sorted(mapping)}")
        return
    yield from validator.descend(instance, {"$ref": target})


def _validator_class(mode: str) -> Any:
    # One class per direction: `descend` copies a validator as its own class, so a class
    # attribute is how the direction reaches every nested check.
    cls = validators.extend(
        Draft202012Validator,
        validators={
            "required": _required,
            "properties": _properties,
            "allOf": _allof,
            "oneOf": _oneof,
        },
    )
    cls.rebilly_mode = mode
    return cls


_CLASSES = {mode: _validator_class(mode) for mode in ("request", "patch", "response")}


@functools.cache
def _validator(uri: str, pointer: str, mode: str) -> Any:
    return _CLASSES[mode](
        {"$ref": f"{uri}#{pointer}"},
        registry=_REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _check(uri: str, pointer: str, mode: str, instance: Any, context: str) -> None:
    error = best_match(_validator(uri, pointer, mode).iter_errors(instance))
    if error is not None:
        raise ValidationError(f"{context}: at {error.json_path}: {error.message}") from error


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


def _match(template: str, path: str) -> bool:
    pattern, concrete = template.strip("/").split("/"), path.strip("/").split("/")
    return len(pattern) == len(concrete) and all(
        p == c or (p.startswith("{") and p.endswith("}") and c)
        for p, c in zip(pattern, concrete, strict=True)
    )


def _find(method: str, path: str) -> tuple[str, str, dict[str, Any]]:
    relative = _relative_path(path)
    candidates = [t for t in _paths() if _match(t, relative)]
    # The most literal template wins (`/tracking/webhooks` over `/{a}/{b}`).
    candidates.sort(key=lambda t: sum(part.startswith("{") for part in t.split("/")))
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
    keys = [str(status), f"{status // 100}XX", f"{status // 100}xx", "default"]
    key = next((k for k in keys if k in responses), None)
    if key is None:
        raise ValidationError(
            f"{method.upper()} {template}: status {status} is not documented "
            f"(documented: {', '.join(sorted(responses))})"
        )
    parts: tuple[str, ...] = (method.lower(), "responses", key)
    uri, parts, response = _follow(uri, parts, responses[key])
    return template, uri, parts, response


def _json_content(node: Mapping[str, Any]) -> Any:
    content = node.get("content") or {}
    return next((key for key in content if key.split(";")[0].strip() == "application/json"), None)


def validate_request(method: str, path: str, body: Any) -> None:
    """The body we send: shape, formats, no read-only fields (PATCH: nothing required)."""
    template, uri, found = _find(method, path)
    context = f"{method.upper()} {template} request"
    request_body = found.get("requestBody")
    if request_body is None:
        if body not in (None, {}, b"", ""):
            raise ValidationError(f"{context}: the operation takes no body, got {body!r}")
        return
    uri, parts, request_body = _follow(uri, (method.lower(), "requestBody"), request_body)
    media = _json_content(request_body)
    if media is None:
        raise ValidationError(f"{context}: the operation takes no JSON body")
    if body is None:
        if request_body.get("required"):
            raise ValidationError(f"{context}: a body is required")
        return
    pointer = _pointer((*parts, "content", media, "schema"))
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
        pointer = _pointer((*header_parts, "schema"))
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
    media = _json_content(response)
    if media is None:
        if body not in (None, b"", ""):
            raise ValidationError(f"{context}: no body is documented, got {body!r}")
    else:
        if body is None:
            raise ValidationError(f"{context}: a JSON body is documented, got none")
        _check(uri, _pointer((*parts, "content", media, "schema")), "response", body, context)
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
    media = _json_content(node)
    if media is None:
        raise ValidationError(f"webhook {event_type}: no JSON body is documented")
    context = f"webhook {event_type}"
    _check(uri, _pointer((*parts, "content", media, "schema")), "response", body, context)
    if isinstance(body, dict) and body.get("eventType") != event_type:
        raise ValidationError(f"{context}: eventType is {body.get('eventType')!r}")


def schema(name: str, *, mode: str = "response") -> Any:
    """A validator of `components/schemas/<name>.yaml` (e.g. "KycRequest",
    "ProblemTypes/Problem"); `mode` "request" or "patch" checks a body we would send."""
    path = _root() / "components" / "schemas" / f"{name}.yaml"
    if not path.is_file():
        raise ValidationError(f"no schema {name!r} in the spec")
    return _validator(path.as_uri(), "", mode)
