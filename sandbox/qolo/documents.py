"""Inline document content (PerformKYC `document.front/back/face_image`; open question 4).

Content is plain base64 (whitespace ignored); a `data:<mime>;base64,` prefix is tolerated
unless the runtime option `accept_data_uri` is false. Decoded bytes must be non-empty, at most
`max_document_bytes`, and start with the magic of an image or PDF: the front that of its
`file_type` (JPG and JPEG alike), the back and the selfie that of any image type (the live
result reports a separate `back_file_type`). DOC and DOCX pass the schema but are never
readable identity documents here. A failure is a reason, not an error: the caller records
a DOC FAIL `DOC_UNREADABLE`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "JPEG", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png"),
    (b"GIF87a", "GIF", "image/gif"),
    (b"GIF89a", "GIF", "image/gif"),
    (b"BM", "BMP", "image/bmp"),
    (b"II*\x00", "TIFF", "image/tiff"),
    (b"MM\x00*", "TIFF", "image/tiff"),
    (b"%PDF-", "PDF", "application/pdf"),
)
_DATA_URI = re.compile(r"^data:[\w.+-]+/[\w.+-]+;base64,", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
IMAGE_TYPES = ("JPEG", "PNG", "GIF", "BMP", "TIFF")


@dataclass(frozen=True)
class Content:
    data: bytes
    file_type: str  # what the bytes are: JPEG, PNG, GIF, BMP, TIFF or PDF
    mime: str


def sniff(data: bytes) -> tuple[str, str] | None:
    """(file type, MIME type) judged by the first bytes; None when not an image or PDF."""
    for magic, file_type, mime in _MAGIC:
        if data.startswith(magic):
            return file_type, mime
    return None


def normalised(file_type: str | None) -> str | None:
    return "JPEG" if file_type == "JPG" else file_type


def decode(
    text: str, *, expected: tuple[str, ...], max_bytes: int, accept_data_uri: bool
) -> Content | str:
    """The content, or why it is unreadable."""
    prefix = _DATA_URI.match(text)
    if prefix and not accept_data_uri:
        return "a data: URI prefix is not accepted"
    raw = _WHITESPACE.sub("", text[prefix.end() :] if prefix else text)
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return "not base64"
    if not data:
        return "empty"
    if len(data) > max_bytes:
        return f"larger than {max_bytes} bytes"
    kind = sniff(data)
    if kind is None or kind[0] not in expected:
        return f"not a {' or '.join(expected)} file"
    return Content(data, kind[0], kind[1])
