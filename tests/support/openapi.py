"""OpenAPI checking shared by the providers' spec fixtures (rebilly_spec.py, qolo_spec.py).

What is the same whatever the provider: JSON pointers, matching a concrete path to its
template (the most literal one first), the JSON media type of a body, the response object a
status selects, and JSON Schema validation (Draft 2020-12) extended with the OpenAPI rules
plain JSON Schema lacks:

- `readOnly` properties are not required in a request and must not be sent; `writeOnly`
  ones are not required in a response and must not be returned (an explicit
  `readOnly: false` beside them in an `allOf` wins);
- a `oneOf` with a `discriminator` validates against the mapped schema only;
- a PATCH body is partial: nothing in it is required.

Every check raises jsonschema.ValidationError naming the operation and the failing place.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match
from referencing import Registry

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MODES = ("request", "patch", "response")

# (id of the object being validated, property names an allOf branch marks explicitly
# writable/readable again), innermost last; see `_allof`.
_overrides: contextvars.ContextVar[tuple[tuple[int, frozenset[str]], ...]] = contextvars.ContextVar(
    "openapi_overrides", default=()
)


def pointer(parts: Iterable[str]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# --- paths, media types and responses -------------------------------------------------------


def matches(template: str, path: str) -> bool:
    """`/persons/{person_guid}/kyc` matches `/persons/0b1c.../kyc`."""
    pattern, concrete = template.strip("/").split("/"), path.strip("/").split("/")
    return len(pattern) == len(concrete) and all(
        p == c or (p.startswith("{") and p.endswith("}") and c)
        for p, c in zip(pattern, concrete, strict=True)
    )


def candidates(templates: Iterable[str], path: str) -> list[str]:
    """The templates matching `path`, the most literal first (`/a/search` before `/a/{id}`)."""
    found = [template for template in templates if matches(template, path)]
    found.sort(key=lambda t: sum(part.startswith("{") for part in t.split("/")))
    return found


def json_media(node: Mapping[str, Any]) -> str | None:
    """The `content` key of a request body or response that is JSON, if any."""
    content = node.get("content") or {}
    return next((key for key in content if key.split(";")[0].strip() == "application/json"), None)


def request_media(request_body: Mapping[str, Any] | None, body: Any, context: str) -> str | None:
    """The media type whose schema a request `body` must match; None when there is nothing
    to check (no body, and none needed). Raises when the operation takes no such body."""
    if request_body is None:
        if body not in (None, {}, b"", ""):
            raise ValidationError(f"{context}: the operation takes no body, got {body!r}")
        return None
    media = json_media(request_body)
    if media is None:
        raise ValidationError(f"{context}: the operation takes no JSON body")
    if body is None:
        if request_body.get("required"):
            raise ValidationError(f"{context}: a body is required")
        return None
    return media


def response_media(response: Mapping[str, Any], body: Any, context: str) -> str | None:
    """The media type whose schema an answer's `body` must match; None when the response
    documents no body (and none came). Raises when a body is missing or unexpected."""
    media = json_media(response)
    if media is None:
        if body not in (None, b"", ""):
            raise ValidationError(f"{context}: no body is documented, got {body!r}")
        return None
    if body is None:
        raise ValidationError(f"{context}: a JSON body is documented, got none")
    return media


def response_key(responses: Mapping[str, Any], status: int, context: str) -> str:
    """The `responses` key a status selects: exact, `4XX`, or `default`."""
    keys = [str(status), f"{status // 100}XX", f"{status // 100}xx", "default"]
    key = next((k for k in keys if k in responses), None)
    if key is None:
        raise ValidationError(
            f"{context}: status {status} is not documented "
            f"(documented: {', '.join(sorted(responses))})"
        )
    return key


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
    return "readOnly" if validator.openapi_mode in ("request", "patch") else "writeOnly"


def _overridden(instance: Any, name: str) -> bool:
    return any(key == id(instance) and name in names for key, names in _overrides.get())


def _required(validator: Any, required: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object") or validator.openapi_mode == "patch":
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
    cls.openapi_mode = mode
    return cls


_CLASSES = {mode: _validator_class(mode) for mode in MODES}


def validator(registry: Registry[Any], ref: str, mode: str) -> Any:
    """A validator of the schema at `ref` (a URI with a fragment) for one direction."""
    return _CLASSES[mode](
        {"$ref": ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def check(checker: Any, instance: Any, context: str) -> None:
    """Raise the most relevant error of `instance`, prefixed with `context`."""
    error = best_match(checker.iter_errors(instance))
    if error is not None:
        raise ValidationError(f"{context}: at {error.json_path}: {error.message}") from error
