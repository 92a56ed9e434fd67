"""The committed catalogs against the code: every msgid translated, nothing fuzzy, the same
placeholders, and each catalog compiles.

The msgids come from `manage.py makemessages` (the project's own command, the one `make
messages` runs) in a temporary copy of the app, so the committed catalogs are never touched
here. When this fails, run `make messages` and translate what the failure lists.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APP = ["manage.py", "onboarding", "kyc", "templates"]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"  # Hindi and Tamil alike
# %(name)s and %s style (python-format), and {name} for the few str.format() messages.
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sdif]|\{[a-z_0-9]+\}")


def committed(language: str) -> Catalog:
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as po:
        return read_po(po, locale=language)


def entries(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Catalog]:
    """makemessages over a copy of the app, into that copy's empty locale folder."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is missing: .ci/run installs it")
        pytest.skip("GNU gettext (xgettext) is not installed: apt-get install gettext")
    copy = tmp_path_factory.mktemp("makemessages")
    for name in APP:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    (copy / "locale").mkdir()
    command = [sys.executable, "manage.py", "makemessages", *(f"-l{lang}" for lang in LANGUAGES)]
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "onboarding.settings"}
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    catalogs = {}
    for language in LANGUAGES:
        with (copy / "locale" / language / "LC_MESSAGES" / "django.po").open("rb") as po:
            catalogs[language] = read_po(po, locale=language)
    return catalogs


def problems(language: str, code: Catalog) -> list[str]:
    catalog = committed(language)
    found = []
    for wanted in entries(code):
        message = catalog.get(wanted.id)
        if message is None:
            found.append(f"missing: {wanted.id!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {key(message)!r}")
        else:
            found.extend(f"{why}: {key(message)!r}" for why in translation_problems(message))
    return found


def texts(value: object) -> list[str]:
    if isinstance(value, tuple | list):
        return [str(form) for form in value]
    return [str(value or "")]


def translation_problems(message: Message) -> Iterator[str]:
    forms = texts(message.string)
    if isinstance(message.id, str):
        pairs = [(message.id, forms[0])]
    else:  # the singular's form, then the plural's for every other form
        pairs = [(message.id[0], forms[0]), *((str(message.id[1]), form) for form in forms[1:])]
        if len(forms) != 2:
            yield f"{len(forms)} plural forms instead of 2"
    for source, text in pairs:
        if not text:
            yield "untranslated"
        elif placeholders(source) != placeholders(text):
            yield f"placeholders {placeholders(text)} instead of {placeholders(source)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_msgid_of_the_code_is_translated_in_the_committed_catalog(extracted, language):
    found = problems(language, extracted[language])
    listing = "\n  ".join(found)
    assert not found, (
        f"locale/{language}/LC_MESSAGES/django.po is behind the code ({len(found)}):\n  "
        f"{listing}\nRun `make messages`, then translate these entries (and drop their "
        "fuzzy flag)."
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalog_holds_nothing_the_code_no_longer_has(extracted, language):
    wanted = {message.id for message in entries(extracted[language])}
    stale = [key(m) for m in entries(committed(language)) if m.id not in wanted]
    assert not stale, f"run `make messages` to drop {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_compiles_with_its_plural_forms_and_python_format_checks(language):
    catalog = committed(language)
    assert not catalog.fuzzy, "the header is marked fuzzy: Babel would skip the whole file"
    assert catalog.plural_forms == PLURAL_FORMS
    assert catalog.locale_identifier == language
    errors = [f"{key(message)!r}: {error}" for message, errs in catalog.check() for error in errs]
    assert not errors, "\n".join(errors)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert len(compiled.getvalue()) > 1000


def test_the_placeholder_check_catches_a_renamed_placeholder():
    broken = Message("Hello %(name)s,", "नमस्ते %(naam)s,", flags=["python-format"])
    assert list(translation_problems(broken)) == [
        "placeholders ['%(naam)s'] instead of ['%(name)s']"
    ]
    untranslated = Message(("%(left)s attempt left.", "%(left)s attempts left."), ("", ""))
    assert list(translation_problems(untranslated)) == ["untranslated", "untranslated"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_msgid_holds_a_python_escape_the_code_never_shows(language):
    # xgettext keeps "\u201c" in a Python string as the six characters, while Python shows
    # the quotation mark itself: such a msgid is never found, and its translation never shown.
    escaped = [
        key(m) for m in entries(committed(language)) if re.search(r"\\u[0-9a-fA-F]{4}", key(m))
    ]
    assert escaped == []
