"""Image quality checks on a photo of a document or a face: light, sharpness, glare, framing.

They run on a small grey copy (settings.DOCUMENT_QUALITY["side"] pixels at most), never on the
full picture: a JPEG is decoded straight at 1/2, 1/4 or 1/8 of its size, luminance only. The
browser runs the same measures with the same numbers before the upload (static/js/journey.js,
`measure`), so what it warns about is what the server records for staff in Document.quality.

- brightness: the mean grey level (0-255), at least `min_brightness`;
- glare: the share of clipped highlights (grey level `clip_level` or more), at most `max_glare`;
- sharpness: the variance of a 4-neighbour Laplacian on the copy stretched to the full grey
  range (so a dim photo is not also called blurred), at least `min_sharpness`;
- fill (documents only): the share of the frame taken by the box holding the detail (Laplacian
  magnitude `edge_level` or more, 2% cut at each end), at least `min_fill`; a blurred photo has
  no detail to frame, so fill is then "skip".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from PIL import Image, ImageChops, ImageFilter, ImageStat

VERSION = 1
CHECKS = ("brightness", "sharpness", "glare", "fill")
MAXIMUMS = frozenset({"glare"})  # the others are minimums
TRIM = 0.02  # the detail's box leaves out this share of it at each end (stray specks)
STRETCH_CUT = 0.01  # the grey range is stretched between these shares of darkest and lightest

# Laplacian halves: Pillow clips a filter's result to 0-255, so the positive and the negative
# side are taken apart; they never overlap, and the full value is their difference.
_POSITIVE = ImageFilter.Kernel((3, 3), [0, -1, 0, -1, 4, -1, 0, -1, 0], scale=1, offset=0)
_NEGATIVE = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=0)


def thresholds() -> dict[str, float]:
    return dict(settings.DOCUMENT_QUALITY)


def small_grey(image: Image.Image) -> Image.Image:
    """A grey copy no larger than the analysis side, made without a full-size decode of a JPEG.

    Must be called before the image is loaded (draft only works then)."""
    side = int(thresholds()["side"])
    image.draft("L", (side, side))  # JPEG: decoded at a reduced scale, luminance only
    image.load()
    factor = max(image.size) // (2 * side)
    flat = _on_white(image)
    if factor > 1:
        flat = flat.reduce(factor)  # a box average in C: cheap, before the finer resize
    grey = flat.convert("L")
    grey.thumbnail((side, side), Image.Resampling.BILINEAR)
    return grey


def _on_white(image: Image.Image) -> Image.Image:
    """Transparent areas count as white (as the browser's canvas paints them)."""
    if image.mode in ("L", "RGB"):
        return image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    background.alpha_composite(rgba)
    return background.convert("RGB")


def measure(grey: Image.Image, *, framing: bool) -> dict[str, float]:
    """The raw measures of a small grey copy."""
    count = grey.width * grey.height
    histogram = grey.histogram()
    clip = int(thresholds()["clip_level"])
    values = {
        "brightness": ImageStat.Stat(grey).mean[0],
        "glare": sum(histogram[clip:]) / count,
    }
    positive, negative = _laplacian(_stretched(grey, histogram))
    values["sharpness"] = _variance(positive, negative)
    if framing:
        values["fill"] = _fill(ImageChops.add(positive, negative))
    return values


def _stretched(grey: Image.Image, histogram: Sequence[int]) -> Image.Image:
    cut = grey.width * grey.height * STRETCH_CUT
    low, high = _cut_index(histogram, cut), 255 - _cut_index(histogram[::-1], cut)
    if high <= low:
        return grey
    scale = 255 / (high - low)
    return grey.point([min(255, max(0, round((v - low) * scale))) for v in range(256)])


def _cut_index(counts: Sequence[int], cut: float) -> int:
    """The first index where the running total passes `cut`."""
    total = 0
    for index, value in enumerate(counts):
        total += value
        if total > cut:
            return index
    return len(counts) - 1


def _laplacian(grey: Image.Image) -> tuple[Image.Image, Image.Image]:
    inside = (1, 1, grey.width - 1, grey.height - 1)  # Pillow copies the border pixels as-is
    return grey.filter(_POSITIVE).crop(inside), grey.filter(_NEGATIVE).crop(inside)


def _variance(positive: Image.Image, negative: Image.Image) -> float:
    count = max(1, positive.width * positive.height)
    plus, minus = ImageStat.Stat(positive), ImageStat.Stat(negative)
    mean = (plus.sum[0] - minus.sum[0]) / count
    return float((plus.sum2[0] + minus.sum2[0]) / count - mean * mean)


def _fill(magnitude: Image.Image) -> float:
    level = int(thresholds()["edge_level"])
    detail = magnitude.point([255 if v >= level else 0 for v in range(256)]).tobytes()
    width, height = magnitude.size
    columns = [detail[x::width].count(255) for x in range(width)]
    rows = [detail[y * width : (y + 1) * width].count(255) for y in range(height)]
    return _span(columns) / max(1, width) * _span(rows) / max(1, height)


def _span(counts: list[int]) -> int:
    cut = sum(counts) * TRIM
    if not sum(counts):
        return 0
    first, last = _cut_index(counts, cut), len(counts) - 1 - _cut_index(counts[::-1], cut)
    return max(0, last - first + 1)


def assess(values: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Each measure with its threshold and result: "pass", "warn", or "skip" (fill of a blur)."""
    limits = thresholds()
    checks: dict[str, dict[str, Any]] = {}
    for name in CHECKS:
        if name not in values:
            continue
        bound = "max" if name in MAXIMUMS else "min"
        threshold = float(limits[f"{bound}_{name}"])
        passed = values[name] <= threshold if bound == "max" else values[name] >= threshold
        checks[name] = {
            "value": round(values[name], 4),
            "threshold": threshold,
            "bound": bound,
            "result": "pass" if passed else "warn",
        }
    if checks.get("sharpness", {}).get("result") == "warn" and "fill" in checks:
        checks["fill"]["result"] = "skip"
    return checks


def warnings_of(quality: dict[str, Any]) -> list[str]:
    """The checks that warned, in their fixed order."""
    checks = quality.get("checks") or {}
    return [name for name in CHECKS if (checks.get(name) or {}).get("result") == "warn"]


def image_quality(grey: Image.Image, *, size: tuple[int, int], framing: bool) -> dict[str, Any]:
    """What Document.quality keeps for a picture: the checks' version, the picture's size as
    shown, the analysed copy's size and each check."""
    return {
        "version": VERSION,
        "width": size[0],
        "height": size[1],
        "analysed": [grey.width, grey.height],
        "checks": assess(measure(grey, framing=framing)),
        "sent_anyway": False,
    }


def pdf_quality() -> dict[str, Any]:
    return {"version": VERSION, "skipped": "pdf", "checks": {}, "sent_anyway": False}


def client_config() -> dict[str, Any]:
    """The numbers the browser uses (given to it in a json_script block)."""
    limits = thresholds()
    return {"version": VERSION, "trim": TRIM, "stretch_cut": STRETCH_CUT, **limits}
