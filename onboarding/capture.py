"""The photo step's words: what "received" says about a file, and what the browser is given.

"Received" says only what our own checks found (the file type, size and picture size, and the
picture checks of kyc/quality.py); it never speaks for the provider, who has not seen the file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kyc import quality
from kyc.models import Document
from kyc.services.documents import PDF, size_text

TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", PDF: "PDF"}


def found_sentences() -> dict[str, str]:
    """What a warned check says about a received picture, one whole sentence each."""
    return {
        "brightness": _("It looks too dark."),
        "sharpness": _("It looks blurred."),
        "glare": _("It has glare that may hide some details."),
        "fill": _("The document looks small in the picture."),
    }


def advice_sentences() -> dict[str, str]:
    """What the browser says before the upload when a check warns: the problem and the fix."""
    return {
        "brightness": _("It looks too dark. Move to a brighter place or turn on a light."),
        "sharpness": _("It looks blurred. Hold the phone still and let the camera focus."),
        "glare": _("Light is reflecting off it. Tilt it away from the lamp or window."),
        "fill": _("The document looks small. Move closer, so that it fills the frame."),
    }


def receipt(document: Document) -> str:
    """What the page says about an accepted file, from what our checks recorded."""
    facts = _facts(document)
    result = document.quality or {}
    if document.content_type == PDF:
        return (
            _(
                "Received. It is a PDF file of %(size)s. Light, sharpness and framing are checked "
                "on photos only, so this file was not checked for them."
            )
            % facts
        )
    if not result.get("checks") or "width" not in facts:
        return _("Received. It is a %(type)s file of %(size)s.") % facts  # checked before v1
    warned = quality.warnings_of(result)
    if not warned:
        return _good(document, facts)
    first = _("Received. It is a readable %(type)s of %(size)s, %(width)s×%(height)s.")  # noqa: RUF001 - the sign, on purpose
    sentences = [first % facts]
    sentences += [found_sentences()[name] for name in warned]
    if result.get("sent_anyway"):
        sentences.append(_("You chose to send it anyway."))
    else:
        sentences.append(_("You can send it as it is, or take another photo."))
    return " ".join(sentences)


def _facts(document: Document) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "type": TYPE_NAMES.get(document.content_type, document.content_type),
        "size": size_text(document.size or 0),
    }
    result = document.quality or {}
    if "width" in result and "height" in result:
        facts |= {"width": result["width"], "height": result["height"]}
    return facts


def _good(document: Document, facts: dict[str, Any]) -> str:
    if document.kind == Document.Kind.SELFIE:
        text = _(
            "Received. It is a readable %(type)s of %(size)s, %(width)s×%(height)s: "  # noqa: RUF001 - the sign, on purpose
            "sharp, well lit and without glare."
        )
    else:
        text = _(
            "Received. It is a readable %(type)s of %(size)s, %(width)s×%(height)s: "  # noqa: RUF001 - the sign, on purpose
            "sharp, well lit, without glare, and the document fills the frame."
        )
    return text % facts


def client_settings() -> dict[str, Any]:
    """Everything the browser's capture code needs, given to it in one json_script block:
    the same thresholds as the server's checks, and its sentences already translated."""
    return {
        "maxBytes": int(settings.DOCUMENT_MAX_BYTES),
        "maxSide": int(settings.UPLOAD_DOWNSCALE_MAX_SIDE),
        "quality": quality.client_config(),
        "advice": advice_sentences(),
        "messages": {
            "tooLarge": _("This file is %(size)s; the limit is %(limit)s."),
            "kilobytes": _("%(size)s KB"),
            "megabytes": _("%(size)s MB"),
            "uploading": _("Uploading…"),
            "checking": _("Checking the file…"),
            "measuring": _("Looking at the photo…"),
            "fallback": _("The file will be sent when you continue."),
            "wait": _("Please wait until your files are uploaded."),
            "pdfChosen": _("PDF file chosen: %(name)s."),
        },
    }
