"""What S3 checks on a browser's POST upload before it stores anything, which moto does not.

A WSGI layer in front of moto's server: a `multipart/form-data` POST to a bucket must carry a
SigV4 POST policy signed with a known secret, not expired, whose conditions every form field
meets (exact values, `eq`, `starts-with`, `content-length-range`), with no field the policy does
not name. Otherwise the answer is S3's own XML error (AccessDenied, SignatureDoesNotMatch,
InvalidAccessKeyId, EntityTooLarge, EntityTooSmall) and moto never sees the request. See the
"Browser-based uploads using POST (AWS Signature Version 4)" pages of the S3 documentation.

A GET or HEAD of an object without an Authorization header must be a presigned URL (SigV4 query
parameters) signed with a known secret and not expired, as for a private bucket: otherwise
AccessDenied, SignatureDoesNotMatch or "Request has expired". See "Authenticating Requests:
Using Query Parameters (AWS Signature Version 4)". Requests signed in a header (the app's own
boto3 calls) are left to moto.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import time
import uuid
from calendar import timegm
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Fields S3 never asks a condition for (AWS: "except x-amz-signature, file, policy, and field
# names that have an x-ignore- prefix").
UNCONDITIONED = frozenset({"file", "policy", "x-amz-signature"})
MAX_BODY = 64 * 1024 * 1024  # a sandbox: far above any upload the app allows
MAX_EXPIRES = 7 * 24 * 3600  # S3: X-Amz-Expires is at most a week


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


UNKNOWN_KEY = Refusal(
    403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
)
SIGNATURE_MISMATCH = Refusal(
    403,
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method.",
)


def access_denied(message: str) -> Refusal:
    return Refusal(403, "AccessDenied", message)


class PostPolicyGuard:
    """Checks POST uploads for `app` (moto); `secrets` maps access key ids to secret keys."""

    def __init__(self, app: WSGIApp, secrets: Mapping[str, str]) -> None:
        self.app = app
        self.secrets = dict(secrets)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if _is_object_read(environ):
            refusal = self.read_refusal(environ)
            if refusal is not None:
                return _error_response(refusal, start_response)
            return self.app(environ, start_response)
        if not _is_form_upload(environ):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY))
        refusal = self.refusal(_form_of(environ, body), _bucket_of(environ))
        if refusal is not None:
            return _error_response(refusal, start_response)
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads the same form again
        return self.app(environ, start_response)

    def refusal(self, form: tuple[dict[str, str], int | None], bucket: str) -> Refusal | None:
        """Why S3 would refuse this form (fields, file size), or None."""
        fields, size = form
        lowered = {name.lower(): value for name, value in fields.items()}
        if "policy" not in lowered or size is None:
            return access_denied("Bucket POST must contain a field named 'policy' and a file.")
        refusal = self._signature_refusal(lowered)
        if refusal is not None:
            return refusal
        try:
            policy = json.loads(base64.b64decode(lowered["policy"], validate=True))
        except (binascii.Error, ValueError):
            return Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
        if _expired(str(policy.get("expiration", ""))):
            return access_denied("Invalid according to Policy: Policy expired.")
        return _conditions_refusal(
            policy.get("conditions") or [], lowered | {"bucket": bucket}, size
        )

    def read_refusal(self, environ: dict[str, Any], now: float | None = None) -> Refusal | None:
        """Why S3 would refuse this unsigned-header GET/HEAD of an object, or None."""
        params = parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        query = dict(params)
        if "X-Amz-Signature" not in query:
            return access_denied("Access Denied")  # a private bucket: no anonymous reads
        if query.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
            return access_denied("Only AWS4-HMAC-SHA256 presigned URLs are accepted here.")
        scope = query.get("X-Amz-Credential", "").split("/")
        if len(scope) != 5 or scope[3:] != ["s3", "aws4_request"]:
            return access_denied("Invalid X-Amz-Credential.")
        secret = self.secrets.get(scope[0])
        if secret is None:
            return UNKNOWN_KEY
        try:
            signed_at = datetime.strptime(query.get("X-Amz-Date", ""), "%Y%m%dT%H%M%SZ").replace(
                tzinfo=UTC
            )
            expires = int(query.get("X-Amz-Expires", ""))
        except ValueError:
            return access_denied("X-Amz-Date and X-Amz-Expires must be given and readable.")
        if not 1 <= expires <= MAX_EXPIRES:
            return access_denied("X-Amz-Expires must be between 1 and 604800 seconds.")
        if signed_at.timestamp() + expires < (now or time.time()):
            return access_denied("Request has expired")
        expected = sign_query(environ, params, secret=secret, scope=scope)
        if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
            return SIGNATURE_MISMATCH
        return None

    def _signature_refusal(self, fields: dict[str, str]) -> Refusal | None:
        if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
            return access_denied("Only AWS4-HMAC-SHA256 POST policies are accepted here.")
        scope = fields.get("x-amz-credential", "").split("/")
        if len(scope) != 5 or scope[3:] != ["s3", "aws4_request"]:
            return access_denied("Invalid x-amz-credential.")
        secret = self.secrets.get(scope[0])
        if secret is None:
            return UNKNOWN_KEY
        expected = sign_policy(fields["policy"], secret=secret, date=scope[1], region=scope[2])
        if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
            return SIGNATURE_MISMATCH
        return None


def sign_policy(policy: str, *, secret: str, date: str, region: str) -> str:
    """The SigV4 signature of a base64 POST policy (the signing key of date, region, "s3")."""
    return hmac.new(
        _signing_key(secret, date=date, region=region), policy.encode(), hashlib.sha256
    ).hexdigest()


def _signing_key(secret: str, *, date: str, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign_query(
    environ: dict[str, Any], params: list[tuple[str, str]], *, secret: str, scope: list[str]
) -> str:
    """The SigV4 signature of a presigned request: its canonical request (method, path as
    sent, the query but the signature, the signed headers, UNSIGNED-PAYLOAD) hashed into
    the string to sign, signed with the key of the credential's date and region."""
    path = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?", 1)[0]
    query = sorted(
        (quote(name, safe="-_.~"), quote(value, safe="-_.~"))
        for name, value in params
        if name != "X-Amz-Signature"
    )
    signed = dict(params).get("X-Amz-SignedHeaders", "host").split(";")
    headers = "".join(f"{name}:{_header(environ, name).strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            str(environ.get("REQUEST_METHOD", "GET")),
            path or quote(str(environ.get("PATH_INFO", "/")), safe="/~"),
            "&".join(f"{name}={value}" for name, value in query),
            headers,
            ";".join(signed),
            "UNSIGNED-PAYLOAD",
        ]
    )
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            dict(params)["X-Amz-Date"],
            "/".join(scope[1:]),
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    return hmac.new(
        _signing_key(secret, date=scope[1], region=scope[2]), to_sign.encode(), hashlib.sha256
    ).hexdigest()


def _header(environ: dict[str, Any], name: str) -> str:
    if name == "host":
        return str(environ.get("HTTP_HOST", ""))
    return str(environ.get("HTTP_" + name.upper().replace("-", "_"), ""))


def _expired(expiration: str) -> bool:
    try:
        moment = time.strptime(expiration.split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return True  # S3 refuses a policy without a readable expiration
    return timegm(moment) <= time.time()


def _conditions_refusal(conditions: list[Any], fields: dict[str, str], size: int) -> Refusal | None:
    named: set[str] = set()
    for condition in conditions:
        refusal = _condition_refusal(condition, fields, size, named)
        if refusal is not None:
            return refusal
    extra = sorted(
        name
        for name in fields
        if name not in named | UNCONDITIONED | {"bucket"} and not name.startswith("x-ignore-")
    )
    if extra:
        return access_denied(f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
    return None


def _condition_refusal(
    condition: Any, fields: dict[str, str], size: int, named: set[str]
) -> Refusal | None:
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, value),) = condition.items()
        condition = ["eq", f"${name}", value]
    if not isinstance(condition, list) or len(condition) != 3:
        return Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition.")
    operator, subject, value = condition
    if operator == "content-length-range":
        return _size_refusal(size, int(subject), int(value))
    name = str(subject).removeprefix("$").lower()
    named.add(name)
    actual = fields.get(name)
    if operator == "eq" and actual == value:
        return None
    if operator == "starts-with" and actual is not None and actual.startswith(str(value)):
        return None
    shown = json.dumps([operator, subject, value])
    return access_denied(f"Invalid according to Policy: Policy Condition failed: {shown}")


def _size_refusal(size: int, low: int, high: int) -> Refusal | None:
    if size > high:
        return Refusal(
            400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
        )
    if size < low:
        return Refusal(
            400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
        )
    return None


def _is_form_upload(environ: dict[str, Any]) -> bool:
    kind = str(environ.get("CONTENT_TYPE", ""))
    return environ.get("REQUEST_METHOD") == "POST" and kind.startswith("multipart/form-data")


def _is_object_read(environ: dict[str, Any]) -> bool:
    """A GET or HEAD of an object (path-style: /bucket/key), not signed in a header."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("HTTP_AUTHORIZATION"):
        return False
    return "/" in str(environ.get("PATH_INFO", "")).strip("/")


def _bucket_of(environ: dict[str, Any]) -> str:
    return str(environ.get("PATH_INFO", "")).strip("/").split("/", 1)[0]  # path-style only


def _form_of(environ: dict[str, Any], body: bytes) -> tuple[dict[str, str], int | None]:
    """The form's text fields and the size of its file (None without one)."""
    copy = dict(environ, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    _stream, form, files = parse_form_data(copy)
    upload = files.get("file")
    size = None if upload is None else upload.stream.seek(0, 2)
    return dict(form.items()), size


def _error_response(refusal: Refusal, start_response: Callable[..., Any]) -> list[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{refusal.code}</Code><Message>{escape(refusal.message)}</Message>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    ).encode()
    status = {400: "400 Bad Request", 403: "403 Forbidden"}[refusal.status]
    start_response(
        status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]
