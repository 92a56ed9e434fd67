"""The back office in each language: the dashboard's dates and counts follow it, and counts
use the Indian digit grouping in Hindi and Tamil (onboarding/formats/)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, timezone, translation

from tests.admin.conftest import verification_row

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("admin:kyc_verification_dashboard")


def in_script(text: str, first: str, last: str) -> bool:
    return any(first <= char <= last for char in text)


@pytest.mark.parametrize(
    ("language", "heading", "script"),
    [
        ("en", "Verifications per status", ("A", "z")),
        ("hi", "स्थिति के अनुसार सत्यापन", ("\u0900", "\u097f")),  # Devanagari
        ("ta", "நிலைவாரியான சரிபார்ப்புகள்", ("\u0b80", "\u0bff")),  # Tamil
    ],
)
def test_the_dashboard_writes_its_days_and_counts_the_languages_way(
    viewer_client, language, heading, script
):
    for _ in range(3):
        verification_row(status="VERIFIED")
    viewer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = viewer_client.get(DASHBOARD).content.decode()
    assert f'<html lang="{language}"' in html
    assert heading in html
    today = timezone.localdate()
    with translation.override(language):
        day = formats.date_format(today, "DATE_FORMAT")
    assert in_script(day, *script)  # the month's name is in the language, not in English
    # Today's row: the day, then started, verified, failed.
    cells = "<td>3</td><td>0</td><td>0</td>"
    assert f'<th scope="row"><time datetime="{today:%Y-%m-%d}">{day}</time></th>{cells}' in html


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "12,345,678"), ("hi", "1,23,45,678"), ("ta", "1,23,45,678")],
)
def test_counts_are_grouped_as_the_language_writes_them(language, written):
    # The dashboard's filter, on a count larger than a test can make rows for.
    with translation.override(language):
        assert Template('{{ n|floatformat:"g" }}').render(Context({"n": 12345678})) == written
