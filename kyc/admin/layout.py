"""Cells of the verification list that fit a laptop screen (1366 px, static/css/kyc-admin.css):
a long name, email or provider reason is cut short on the page and whole in its title."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString


def cut(text: str) -> SafeString | str:
    if not text:
        return "—"
    return format_html('<span class="kyc-cut" title="{}">{}</span>', text, text)
