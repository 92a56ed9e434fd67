"""Files (fact sheet §6.5): `POST /files` with base64 JSON, and the gatherer's uploads.

Only the permitted types are kept (.jpg, .png, .gif, .pdf), recognised by their magic bytes,
never by name or declared type. The emulator implements the base64 JSON form only; the
`{url}` form answers 422 saying so (the emulator fetches nothing).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import time
from collections.abc import Sequence
from typing import Any

from sandbox.rebilly import listing
from sandbox.rebilly.problems import invalid, invalid_field
from sandbox.rebilly.runtime import Runtime, iso, new_id
from sandbox.rebilly.state import Resource
from sandbox.rebilly.validation import Fields

KIND = "file"
LIST_FIELDS = ("id", "name", "mime", "size", "sha1", "createdTime")
SOURCE_TYPES = ("upload", "camera", "organization-export", "organization-closure-export", None)

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"%PDF-", "application/pdf", "pdf"),
)
EXTENSION_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "application/pdf": "PDF",
}
DOCUMENT_MIMES = ("image/jpeg", "image/png", "application/pdf")
SELFIE_MIMES = ("image/jpeg", "image/png")


def sniff(data: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of a permitted file, judged by its first bytes."""
    for magic, mime, extension in _MAGIC:
        if data.startswith(magic):
            return mime, extension
    return None


def _image_size(data: bytes) -> tuple[int | None, int | None]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return int(image.width), int(image.height)
    except Exception:  # not an image Pillow reads (PDF, truncated file): no size
        return None, None


def store_file(
    rt: Runtime,
    org: str,
    data: bytes,
    *,
    name: str | None,
    description: str = "",
    tags: Sequence[str] = (),
    source_type: str | None = "upload",
    is_public: bool = False,
) -> Resource:
    """Keep a file that `sniff` accepted; the caller has checked type and size."""
    kind = sniff(data)
    assert kind is not None
    mime, extension = kind
    file_id = new_id("file_")
    width, height = _image_size(data) if mime.startswith("image/") else (None, None)
    stamp = iso(time.time())
    body = {
        "id": file_id,
        "name": name or f"{file_id}.{extension}",
        "extension": extension,
        "description": description,
        "sourceType": source_type,
        "tags": list(tags),
        "mime": mime,
        "size": len(data),
        "width": width,
        "height": height,
        "sha1": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        "exifData": None,
        "isPublic": is_public,
        "createdTime": stamp,
        "updatedTime": stamp,
    }
    with rt.store.transaction():
        rt.store.put_blob(file_id, data)
        resource = Resource(KIND, file_id, org, body)
        rt.store.save(resource)
    return resource


def create(rt: Runtime, org: str, body: Any) -> Resource:
    if not isinstance(body, dict):
        raise invalid_field("body", "This value should be of type object.")
    if "url" in body and "file" not in body:
        raise invalid_field("url", "The emulator accepts base64 `file` content only.")
    f = Fields()
    encoded = f.string(body, "file", "file", required=True, nullable=False)
    name = f.string(body, "name", "name", max_length=255)
    description = f.string(body, "description", "description", max_length=255) or ""
    source_type = f.choice(body, "sourceType", "sourceType", SOURCE_TYPES, default="upload")
    is_public = f.boolean(body, "isPublic", "isPublic")
    tags = f.array(body, "tags", "tags", nullable=False) or []
    if not all(isinstance(tag, str) for tag in tags):
        f.add("tags", "This value should be of type string.")
    f.done()
    assert encoded is not None
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_field("file", "This value is not valid base64.") from None
    if len(data) > rt.config.max_file_bytes:
        raise invalid_field("file", f"The file is too large ({len(data)} bytes).")
    if sniff(data) is None:
        raise invalid(
            [{"field": "file", "message": "Permitted file types: .jpg, .png, .gif and .pdf."}]
        )
    return store_file(
        rt,
        org,
        data,
        name=name,
        description=description,
        tags=tags,
        source_type=source_type,
        is_public=is_public,
    )


def render(rt: Runtime, resource: Resource) -> dict[str, Any]:
    href = f"{rt.api_base(resource.org)}/files/{resource.id}"
    links = [{"rel": "self", "href": href}, {"rel": "download", "href": f"{href}/download"}]
    return {**resource.body, "_links": links}


def collection(rt: Runtime, org: str, args: dict[str, str]) -> listing.Page:
    items = [render(rt, resource) for resource in rt.store.all(KIND, org)]
    return listing.page(items, args, fields=LIST_FIELDS, default_limit=rt.config.page_limit)
