"""Pictures without their metadata: EXIF (GPS, camera, owner), XMP, comments, text chunks.

The copy is written segment by segment (JPEG) or chunk by chunk (PNG), the pixels' bytes copied
as they are: nothing is decoded or re-encoded, so the picture loses no quality, and no more than
one segment (64 KB) or one read (CHUNK) is held in memory, whatever the file's size. What a
viewer needs to show the picture as taken is kept: JFIF, the colour profile, Adobe's colour
transform, PNG's colour and transparency chunks, and the EXIF orientation alone, re-written in
a minimal EXIF block of its own (the only tag in it). Anything after the picture's end (a ZIP,
an HTML page, a phone's "motion photo" video) raises TrailingData: the caller refuses the file.
"""

from __future__ import annotations

import zlib
from typing import IO

from PIL import Image

CHUNK = 1024 * 1024
ORIENTATION = 0x0112
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ancillary PNG chunks that change how the picture looks; every other one (tEXt, zTXt, iTXt,
# eXIf, tIME, private chunks) is dropped.
PNG_KEPT = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT"}
    | {b"pHYs", b"bKGD", b"cICP"}
)
SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP2, APP14, COM = 0xE0, 0xE1, 0xE2, 0xEE, 0xFE
STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # markers without a length (TEM, RSTn)


class Malformed(ValueError):
    """The file is not the picture its first bytes say."""


class TrailingData(ValueError):
    """The picture is followed by other data."""


def orientation_of(local: IO[bytes]) -> int:
    """The EXIF orientation (1: as stored), read from the header only."""
    local.seek(0)
    try:
        with Image.open(local) as image:
            value = image.getexif().get(ORIENTATION, 1)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        value = 1  # the caller's checks say what is wrong with it
    local.seek(0)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _orientation_exif(orientation: int) -> bytes:
    """An EXIF block ("Exif\\0\\0" and a TIFF header) holding the orientation tag only."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()


def _read_exact(src: IO[bytes], size: int) -> bytes:
    data = src.read(size)
    if len(data) != size:
        raise Malformed("the file ends inside a segment")
    return data


def _copy_exact(src: IO[bytes], dst: IO[bytes], size: int) -> None:
    while size:
        data = _read_exact(src, min(size, CHUNK))
        dst.write(data)
        size -= len(data)


def _refuse_trailing(src: IO[bytes]) -> None:
    if src.read(1):
        raise TrailingData("data after the end of the picture")


# --- JPEG ---------------------------------------------------------------------------------
def _kept_segment(marker: int, data: bytes) -> bool:
    if marker == APP0:
        return data.startswith(b"JFIF\x00")  # not JFXX, which carries a thumbnail
    if marker == APP2:
        return data.startswith(b"ICC_PROFILE\x00")
    if marker == APP14:
        return data.startswith(b"Adobe")  # the colour transform of CMYK/YCCK pictures
    return not (APP0 <= marker <= 0xEF or marker == COM)


def _next_marker(src: IO[bytes]) -> int:
    if _read_exact(src, 1) != b"\xff":
        raise Malformed("expected a JPEG marker")
    marker = 0xFF
    while marker == 0xFF:  # fill bytes may come before a marker
        marker = _read_exact(src, 1)[0]
    return marker


def _copy_scan(src: IO[bytes], dst: IO[bytes]) -> None:
    """The entropy-coded data after a SOS header, up to (not including) the next marker."""
    while True:
        start = src.tell()
        chunk = src.read(CHUNK)
        if len(chunk) < 2:
            raise Malformed("the picture has no end marker")
        at = chunk.find(b"\xff")
        while (
            at != -1
            and at < len(chunk) - 1
            and (chunk[at + 1] == 0 or 0xD0 <= chunk[at + 1] <= 0xD7)
        ):
            at = chunk.find(b"\xff", at + 2)  # a stuffed 0xFF or a restart marker: still data
        if at == -1:
            dst.write(chunk)
            continue
        if at == len(chunk) - 1:  # the byte after it is in the next read
            dst.write(chunk[:at])
            src.seek(start + at)
            continue
        dst.write(chunk[:at])
        src.seek(start + at)
        return


def scrub_jpeg(src: IO[bytes], dst: IO[bytes]) -> None:
    """Copy a JPEG from src to dst without its metadata segments."""
    orientation = orientation_of(src)
    if _read_exact(src, 2) != b"\xff\xd8":
        raise Malformed("not a JPEG")
    dst.write(b"\xff\xd8")
    exif_due = orientation != 1
    while (marker := _next_marker(src)) != EOI:
        if marker in STANDALONE:
            dst.write(bytes((0xFF, marker)))
            continue
        length = int.from_bytes(_read_exact(src, 2), "big")
        if length < 2:
            raise Malformed("a segment shorter than its length field")
        data = _read_exact(src, length - 2)
        if exif_due and not (marker == APP0 and _kept_segment(marker, data)):
            _write_segment(dst, APP1, _orientation_exif(orientation))  # after JFIF, if any
            exif_due = False
        if _kept_segment(marker, data):
            _write_segment(dst, marker, data)
        if marker == SOS:
            _copy_scan(src, dst)
    dst.write(b"\xff\xd9")
    _refuse_trailing(src)


def _write_segment(dst: IO[bytes], marker: int, data: bytes) -> None:
    dst.write(bytes((0xFF, marker)) + (len(data) + 2).to_bytes(2, "big") + data)


# --- PNG ----------------------------------------------------------------------------------
def scrub_png(src: IO[bytes], dst: IO[bytes]) -> None:
    """Copy a PNG from src to dst with only the chunks that draw the picture."""
    orientation = orientation_of(src)
    if _read_exact(src, len(PNG_SIGNATURE)) != PNG_SIGNATURE:
        raise Malformed("not a PNG")
    dst.write(PNG_SIGNATURE)
    while True:
        header = _read_exact(src, 8)
        length, chunk_type = int.from_bytes(header[:4], "big"), header[4:]
        if length >= 2**31:
            raise Malformed("a chunk longer than PNG allows")
        if chunk_type in PNG_KEPT:
            dst.write(header)
            _copy_exact(src, dst, length + 4)  # the data and its CRC
        else:
            src.seek(length + 4, 1)
        if chunk_type == b"IHDR" and orientation != 1:
            _write_chunk(dst, b"eXIf", _orientation_exif(orientation).removeprefix(b"Exif\x00\x00"))
        if chunk_type == b"IEND":
            break
    _refuse_trailing(src)


def _write_chunk(dst: IO[bytes], chunk_type: bytes, data: bytes) -> None:
    crc = zlib.crc32(chunk_type + data).to_bytes(4, "big")
    dst.write(len(data).to_bytes(4, "big") + chunk_type + data + crc)
