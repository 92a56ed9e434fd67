"""Small real image files made at test time (decodable by any image library).

`png()` and `jpeg()` are small pictures of a document that pass every picture check
(kyc/quality.py); `document_photo()` and its variants make photo-sized ones that each fail
one check: too dark, blurred, with glare, a small document in a big frame. `camera_jpeg()` and
`tagged_png()` carry what a phone writes into a photo (GPS, device, comments, text chunks);
`pdf_file()` makes a well-formed PDF, with whatever its catalog is given.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter, PngImagePlugin


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def encoded(picture: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def document_photo(
    size: tuple[int, int] = (1600, 1200), *, fill: float = 0.9, grain: bool = True
) -> Image.Image:
    """A card with a portrait and lines of text on a grey table, taking `fill` of the frame."""
    width, height = size
    frame = Image.new("RGB", size, (104, 110, 118))
    card_w, card_h = int(width * fill**0.5), int(height * fill**0.5)
    frame.paste(_card(card_w, card_h), ((width - card_w) // 2, (height - card_h) // 2))
    if grain:  # a camera's noise and softness
        noise = Image.effect_noise(size, 8).convert("RGB")
        frame = ImageChops.add(frame, noise, scale=1.0, offset=-128)
        frame = frame.filter(ImageFilter.GaussianBlur(0.7))
    return frame


def _card(width: int, height: int) -> Image.Image:
    lines = random.Random(7)  # the same picture every run
    card = Image.new("RGB", (width, height), (228, 222, 206))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(60, 60, 90), width=max(2, width // 200))
    draw.rectangle((width * 0.05, height * 0.05, width * 0.7, height * 0.12), fill=(40, 60, 120))
    draw.rectangle((width * 0.05, height * 0.2, width * 0.3, height * 0.8), fill=(130, 104, 92))
    top = height * 0.2
    while top < height * 0.85:
        right = width * lines.uniform(0.55, 0.92)
        draw.rectangle((width * 0.36, top, right, top + height * 0.03), fill=(30, 30, 40))
        top += height * 0.07
    return card


def too_dark(picture: Image.Image) -> Image.Image:
    return picture.point(lambda value: int(value * 0.18))


def blurred(picture: Image.Image) -> Image.Image:
    return picture.filter(ImageFilter.GaussianBlur(8))


def with_glare(picture: Image.Image) -> Image.Image:
    """A lamp's reflection: a blown-out patch over part of the card."""
    width, height = picture.size
    patch = Image.new("L", picture.size, 0)
    box = (width * 0.35, height * 0.25, width * 0.75, height * 0.6)
    ImageDraw.Draw(patch).ellipse(box, fill=255)
    patch = patch.filter(ImageFilter.GaussianBlur(4))
    return Image.composite(Image.new("RGB", picture.size, (255, 255, 255)), picture, patch)


def small_in_frame(size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    return document_photo(size, fill=0.08)


def png() -> bytes:
    return encoded(document_photo((320, 240), grain=False), "PNG")


def jpeg() -> bytes:
    return encoded(document_photo((320, 240), grain=False), "JPEG", quality=90)


# What a phone writes into a photo, and what must not reach the provider.
CAMERA_MAKE, CAMERA_MODEL, OWNER_COMMENT = "PhoneMaker", "Model X-Secret", b"owner: Asha Rao"
GPS_LATITUDE = (12.0, 58.0, 16.5)


def camera_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # 6: the phone was held upright, the sensor wrote it sideways
    exif[0x010F], exif[0x0110] = CAMERA_MAKE, CAMERA_MODEL
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", GPS_LATITUDE
    return exif


def camera_jpeg(orientation: int = 6) -> bytes:
    """A progressive JPEG as a phone saves it: EXIF with GPS, make and model, and a comment."""
    picture = document_photo((480, 360), grain=False)
    return encoded(
        picture,
        "JPEG",
        quality=92,
        progressive=True,
        exif=camera_exif(orientation).tobytes(),
        comment=OWNER_COMMENT,
    )


def tagged_png(orientation: int = 3) -> bytes:
    """A PNG with text chunks (author, GPS) and an eXIf chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", OWNER_COMMENT.decode())
    info.add_itxt("Location", f"{GPS_LATITUDE[0]}N")
    picture = document_photo((320, 240), grain=False)
    return encoded(picture, "PNG", pnginfo=info, exif=camera_exif(orientation).tobytes())


def pdf_file(catalog: bytes = b"", *objects: bytes) -> bytes:
    """A one-page PDF with a correct cross-reference table; `catalog` is added to the catalog
    dictionary, and `objects` become objects 4, 5... it may refer to."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *objects,
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)


PDF = pdf_file()
EXECUTABLE = b"\x7fELF\x02\x01\x01" + b"\x00" * 57
