"""Accessible form rendering (one field group, an error summary linking to the fields), and
the journey's stepper."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.conf import settings

from onboarding.capture import client_settings
from onboarding.journey import current_verification
from onboarding.steps import stepper

register = template.Library()


def _anchor(form: forms.BaseForm, name: str) -> str:
    chosen: dict[str, str] = getattr(form, "anchors", {})  # a field's own choice of target
    if name in chosen:
        return chosen[name]
    bound = form[name]
    if bound.is_hidden:
        return str(getattr(form, "summary_anchor", "error-summary"))
    return str(bound.id_for_label or f"{bound.auto_id}_0")  # radio buttons: the first one


def summary_items(*forms_: Any) -> list[tuple[str, str]]:
    """(anchor, message) for every error of the given forms, non-field errors first."""
    items: list[tuple[str, str]] = []
    for form in forms_:
        if not isinstance(form, forms.BaseForm) or not form.is_bound:
            continue
        anchor = str(getattr(form, "summary_anchor", "error-summary"))
        items += [(anchor, str(error)) for error in form.non_field_errors()]
        for name, errors in form.errors.items():
            if name in form.fields:
                label = form[name].label
                items += [(_anchor(form, name), f"{label}: {error}") for error in errors]
    return items


@register.inclusion_tag("onboarding/_error_summary.html")
def error_summary(*forms_: Any) -> dict[str, Any]:
    return {"items": summary_items(*forms_)}


@register.inclusion_tag("onboarding/_field.html")
def field_group(field: forms.BoundField, **options: Any) -> dict[str, Any]:
    return {"field": field, "kind": field.widget_type, **options}


@register.simple_tag
def max_upload_bytes() -> int:
    return int(settings.DOCUMENT_MAX_BYTES)


@register.simple_tag
def max_upload_side() -> int:
    return int(settings.UPLOAD_DOWNSCALE_MAX_SIDE)


@register.inclusion_tag("onboarding/_steps.html", takes_context=True)
def journey_stepper(context: template.Context, page: str = "") -> dict[str, Any]:
    """The stepper for this page's step (`page`), or, without one, for where the user's
    verification stands (the status page, with its `progress`)."""
    verification = context.get("verification") or current_verification(context["request"])
    return {"stepper": stepper(verification, page, context.get("progress"))}


@register.simple_tag
def capture_settings() -> dict[str, Any]:
    """The photo step's thresholds and sentences for the browser (use with json_script)."""
    return client_settings()
