"""A select of ~250 countries without a template per option.

Django renders each <option> through its own template include: 250 of them were 90% of the
profile and KYC pages' server time. CountrySelect renders the same markup (the equivalence is
tested against Django's Select) from option strings built once per language and choice list,
marking the chosen one as it goes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

Choices = tuple[tuple[str, Any], ...]  # (value, label) or (group label, ((value, label), ...))


@lru_cache(maxsize=32)
def _pieces(choices: Choices) -> tuple[tuple[str | None, str, str], ...]:
    """The markup between <select> and </select>, in pieces: (value, markup, markup when
    selected) per option, (None, markup, markup) for an optgroup's opening and closing."""
    pieces: list[tuple[str | None, str, str]] = []
    for value, label in choices:
        if isinstance(label, tuple):  # an optgroup
            opening = format_html('\n  <optgroup label="{}">', value)
            pieces.append((None, opening, opening))
            pieces.extend(_option(v, option_label) for v, option_label in label)
            pieces.append((None, "\n  </optgroup>", "\n  </optgroup>"))
        else:
            pieces.append(_option(value, label))
    return tuple(pieces)


def _option(value: str, label: str) -> tuple[str, str, str]:
    return (
        value,
        format_html('\n  <option value="{}">{}</option>\n', value, label),
        format_html('\n  <option value="{}" selected>{}</option>\n', value, label),
    )


def _frozen(choices: Any) -> Choices:
    """The choices as text in the active language (labels are lazy translations), hashable."""
    frozen: list[tuple[str, Any]] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            frozen.append((str(value), tuple((str(v), str(sub)) for v, sub in label)))
        else:
            frozen.append((str(value), str(label)))
    return tuple(frozen)


def _attributes(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html: in order, True bare, False left out."""
    return mark_safe(  # noqa: S308 - names are ours, values escaped
        "".join(
            f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


@lru_cache(maxsize=64)
def _pieces_for(
    language: str, source: Callable[[], Any], likely: tuple[str, ...]
) -> tuple[tuple[str | None, str, str], ...]:
    # `likely` (KYC_LIKELY_COUNTRIES) is part of the key: it orders the choices.
    return _pieces(_frozen(source()))


class CountrySelect(forms.Select):
    """Django's Select, rendered in Python: the same markup, byte for byte.

    `source` gives the choices (the field's own callable, the same ones): they are read once
    per language, not on every render (Django normalises callable choices each time)."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, source: Callable[[], Any]) -> None:
        super().__init__(attrs)
        self.source = source

    def _current(self) -> tuple[tuple[str | None, str, str], ...]:
        return _pieces_for(get_language() or "", self.source, tuple(settings.KYC_LIKELY_COUNTRIES))

    def optgroups(self, name: str, value: list[Any], attrs: Any = None) -> list[Any]:
        return []  # the options come ready-made (render)

    def use_required_attribute(self, initial: Any) -> bool:
        # As Select: only when the first choice is the empty one.
        first = next((piece[0] for piece in self._current() if piece[0] is not None), None)
        return not self.is_hidden and first == ""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        chosen = {str(v) for v in widget["value"]}
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], _attributes(widget["attrs"]))
        ]
        seen = False
        for option_value, plain, selected in self._current():
            if not seen and option_value is not None and option_value in chosen:
                parts.append(selected)  # like Select: the first match only
                seen = True
            else:
                parts.append(plain)
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped by format_html
