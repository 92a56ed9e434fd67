"""The language switcher's choices."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    """(code, name) with each name in its own script, as settings.LANGUAGES writes it: Django's
    get_available_languages would translate them ("English" would read "अंग्रेज़ी")."""
    return list(settings.LANGUAGES)
