"""Countries for the profile and address forms: the full ISO 3166-1 list, names translated,
after the likely ones (KYC_LIKELY_COUNTRIES)."""

from __future__ import annotations

import gettext
import unicodedata
from functools import lru_cache

import pycountry
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@lru_cache(maxsize=16)
def _catalog(language: str) -> gettext.NullTranslations:
    # pycountry ships the iso-codes translations; an unknown language falls back to English.
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def _name(country: object, language: str) -> str:
    """The short name in `language`; where iso-codes lacks it, the official name in that
    language, and only then the English short name."""
    official = str(country.name)  # type: ignore[attr-defined]
    english = str(getattr(country, "common_name", None) or official)
    catalog = _catalog(language)
    translated = catalog.gettext(english)
    if translated == english and english != official:
        official_translated = catalog.gettext(official)
        if official_translated != official:
            return official_translated
    return translated


@lru_cache(maxsize=16)
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    pairs = [(str(c.alpha_3), _name(c, language)) for c in pycountry.countries]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def _sort_key(name: str) -> str:
    # "Åland Islands" sorts with the A's: compare without accents.
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def country_choices() -> list[tuple[str, str]]:
    """(alpha-3 code, name in the current language), sorted by name."""
    return list(_choices((get_language() or "en").split("-")[0]))


def likely_first_choices() -> list[tuple[str, object]]:
    """The likely countries as a group, then every country (a select's optgroups)."""
    names = dict(country_choices())
    likely = [(code, names.get(code, code)) for code in settings.KYC_LIKELY_COUNTRIES]
    if not likely:
        return list(country_choices())
    return [(_("Suggested"), likely), (_("All countries"), country_choices())]


def default_country() -> str:
    """The country preselected for a new applicant: the likeliest one."""
    return next(iter(settings.KYC_LIKELY_COUNTRIES), "")


def is_alpha_3(code: str) -> bool:
    return pycountry.countries.get(alpha_3=code) is not None


def alpha_2(alpha_3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=alpha_3)
    return str(country.alpha_2) if country is not None else None


def country_name(alpha_3: str) -> str:
    return dict(country_choices()).get(alpha_3, alpha_3)
