"""Tiny but valid sample images served at `/test-images/<name>`.

DollarPe's own guide points at `https://sandbox.dollarpe.xyz/test-images/aadhaar-front.jpg`;
serving the same path lets a developer submit KYC without uploading anything.
"""

from __future__ import annotations

import struct
import zlib


def png(width: int = 8, height: int = 8, grey: int = 200) -> bytes:
    """An 8-bit greyscale PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([grey]) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """A baseline 8x8 mid-grey greyscale JPEG.

    One block whose DC difference and AC coefficients are all zero, so each Huffman table
    needs a single one-bit code: the entropy-coded data is "0" (DC) "0" (EOB), padded.
    """

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quant = b"\x00" + b"\x01" * 64
    frame = struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00"
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, for symbol 0
    scan = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + segment(0xE0, jfif)
        + segment(0xDB, quant)
        + segment(0xC0, frame)
        + segment(0xC4, b"\x00" + one_code)
        + segment(0xC4, b"\x10" + one_code)
        + segment(0xDA, scan)
        + b"\x3f"
        + b"\xff\xd9"
    )


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


SAMPLES: dict[str, tuple[bytes, str]] = {
    "aadhaar-front.jpg": (jpeg(), "image/jpeg"),
    "aadhaar-back.jpg": (jpeg(), "image/jpeg"),
    "selfie.jpg": (jpeg(), "image/jpeg"),
    "selfie.png": (png(), "image/png"),
    "document.png": (png(), "image/png"),
    "document.pdf": (pdf(), "application/pdf"),
}
