"""How staff see a picture's checks (Document.quality, from kyc/quality.py): each measure with
its threshold and result, the checks' version, and whether the person sent it past a warning."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.quality import CHECKS

CHECK_LABELS = {
    "brightness": gettext_lazy("Light (mean grey level, 0-255)"),
    "sharpness": gettext_lazy("Sharpness (Laplacian variance)"),
    "glare": gettext_lazy("Glare (clipped highlights)"),
    "fill": gettext_lazy("Document fills the frame"),
}
RESULT_LABELS = {
    "pass": (gettext_lazy("pass"), "ok"),
    "warn": (gettext_lazy("warning"), "wait"),
    "skip": (gettext_lazy("not judged: too blurred"), "none"),
}
SHARES = frozenset({"glare", "fill"})  # shown as percentages


def quality_html(quality: dict[str, Any]) -> SafeString:
    """The checks of one document, for its entry in the verification page's document list."""
    if not quality:
        return SafeString("")
    version = quality.get("version", "?")
    if quality.get("skipped") == "pdf":
        return format_html(
            '<p class="kyc-quality">{}</p>',
            _("Picture checks (version %(version)s): not run, the file is a PDF.")
            % {"version": version},
        )
    rows = [_row(name, quality["checks"][name]) for name in CHECKS if name in quality["checks"]]
    heading = _("Picture checks (version %(version)s) on a %(width)s×%(height)s picture") % {  # noqa: RUF001 - the sign, on purpose
        "version": version,
        "width": quality.get("width", "?"),
        "height": quality.get("height", "?"),
    }
    sent = _sent_anyway(quality)
    return format_html(
        '<table class="kyc-quality"><caption>{}</caption><thead><tr><th scope="col">{}</th>'
        '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
        "<tbody>{}</tbody></table>{}",
        heading,
        _("Check"),
        _("Measured"),
        _("Threshold"),
        _("Result"),
        format_html_join("", "{}", ((row,) for row in rows)),
        sent,
    )


def _row(name: str, check: dict[str, Any]) -> SafeString:
    label, kind = RESULT_LABELS.get(check.get("result", ""), (check.get("result", "?"), "none"))
    bound = _("at least %(value)s") if check.get("bound") == "min" else _("at most %(value)s")
    return format_html(
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>'
        '<span class="kyc-badge kyc-badge--{}">{}</span></td></tr>',
        CHECK_LABELS.get(name, name),
        _number(name, check.get("value")),
        bound % {"value": _number(name, check.get("threshold"))},
        kind,
        label,
    )


def _number(name: str, value: Any) -> str:
    if not isinstance(value, int | float):
        return "?"
    return f"{value * 100:.1f}%" if name in SHARES else f"{value:.1f}"


def _sent_anyway(quality: dict[str, Any]) -> SafeString:
    if not quality.get("sent_anyway"):
        return SafeString("")
    return format_html(
        '<p class="kyc-quality__sent">{}</p>',
        _("The person was warned about this picture and chose to send it anyway."),
    )
