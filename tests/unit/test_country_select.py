"""CountrySelect renders exactly what Django's Select renders, without a template per option."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from onboarding.forms import ProfileForm
from onboarding.widgets import CountrySelect


def stock_twin(form: forms.Form, name: str) -> str:
    """The same bound field rendered with Django's own Select."""
    field = form.fields[name]
    stock = forms.Select(attrs=field.widget.attrs)
    stock.choices = field.widget.choices
    stock.is_required = field.widget.is_required
    bound = form[name]
    return stock.render(
        bound.html_name, bound.value(), attrs=bound.build_widget_attrs({}) | {"id": bound.auto_id}
    )


def ours(form: forms.Form, name: str) -> str:
    bound = form[name]
    attrs = bound.build_widget_attrs({}) | {"id": bound.auto_id}
    return form.fields[name].widget.render(bound.html_name, bound.value(), attrs=attrs)


@pytest.mark.parametrize("language", ["en", "hi", "ta"])
@pytest.mark.parametrize(
    "data",
    [
        None,  # unbound: the initial country
        {"nationality": "IND", "residence_country": "ARE"},
        {"nationality": "FRA", "residence_country": ""},
        {"nationality": "<b>x</b>", "residence_country": "nowhere"},  # not a choice
    ],
)
def test_the_markup_is_django_selects_own(language, data):
    with translation.override(language):
        form = ProfileForm(data=data)
        if data:
            form.is_valid()
        for name in ("nationality", "residence_country"):
            assert isinstance(form.fields[name].widget, CountrySelect)
            assert ours(form, name) == stock_twin(form, name)
            # As the page renders it (the bound field's own attributes: aria, required...).
            twin = ProfileForm(data=data)
            if data:
                twin.is_valid()
            stock = forms.Select(attrs=twin.fields[name].widget.attrs)
            stock.choices = twin.fields[name].widget.choices
            twin.fields[name].widget = stock
            assert str(form[name]) == str(twin[name])


def test_one_option_is_selected_even_when_the_country_is_in_two_groups():
    form = ProfileForm(data={"nationality": "IND"})
    html = ours(form, "nationality")
    assert html.count(" selected>") == 1
    assert '<option value="IND" selected>' in html


def test_labels_follow_the_active_language():
    with translation.override("en"):
        english = ours(ProfileForm(), "nationality")
    with translation.override("hi"):
        hindi = ours(ProfileForm(), "nationality")
    assert english != hindi
    assert "India" in english
