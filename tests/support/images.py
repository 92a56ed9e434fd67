"""Small real image files made at test time (decodable by any image library)."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def png() -> bytes:
    return image_bytes("PNG")


def jpeg() -> bytes:
    return image_bytes("JPEG")


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXECUTABLE = b"\x7fELF\x02\x01\x01" + b"\x00" * 57
