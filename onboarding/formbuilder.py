"""The KYC form, built at run time from the provider's configuration (a FormSpec).

The provider decides which identity documents it accepts (and what it calls them),
which tax number it wants and how it is checked, and which additional information it
wants (with their types, required flags and an allOf/anyOf rule).
`plan_form` turns a FormSpec into a plan, refusing one no form could satisfy, and
`SpecFormMixin` adds the planned fields to a Django form and enforces the rule.
Additional fields get positional form names (`info_0`, ...), so a provider's field
name can never collide with one of ours or break the page, whatever it contains.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kyc.providers.errors import InvalidResponseError
from kyc.providers.interface import FormSpec, TaxId

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

MAX_NAME_LENGTH = 100
MAX_VALUE_LENGTH = 255
RULES = ("allOf", "anyOf")


def humanise(name: str) -> str:
    words = " ".join(name.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:].lower() if words else name


@dataclass(frozen=True)
class InfoField:
    form_name: str  # info_<n>: ours, safe in HTML and never a clash
    name: str  # the provider's name, used in what we send
    kind: str  # "url" or "text"
    required: bool
    label: str = ""  # the provider's words; empty: the name, humanised
    hint: StrOrPromise = ""
    suggestions: tuple[tuple[str, StrOrPromise], ...] = ()  # (value, how it reads)

    @property
    def shown(self) -> str:
        return self.label or humanise(self.name)


@dataclass(frozen=True)
class FormPlan:
    document_types: tuple[tuple[str, str], ...]  # (value sent, label shown)
    info_fields: tuple[InfoField, ...]
    rule: str
    min_required: int  # how many of the info fields must be filled, at least
    tax_id: TaxId | None = None
    document_number_help: str = ""
    # Per document type: (pattern the number must match, message when it does not).
    document_number_rules: tuple[tuple[str, str, str], ...] = ()


def plan_form(spec: FormSpec) -> FormPlan:
    """The form a FormSpec asks for; InvalidResponseError when no form could satisfy it."""
    document_types = _document_types(spec.document_types, spec.document_labels)
    info_fields = _info_fields(spec)
    if spec.rule not in RULES:
        raise InvalidResponseError(f"unknown additional information rule {spec.rule!r}")
    minimum = spec.min_required
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise InvalidResponseError("min_required is not a count")
    if minimum > len(info_fields):
        raise InvalidResponseError("min_required asks for more fields than there are")
    if spec.rule == "allOf":  # every option, whatever min_required says
        minimum = len(info_fields)
        info_fields = tuple(replace(f, required=True) for f in info_fields)
    rules = tuple(
        (doc_type, pattern, str(message))
        for doc_type, (pattern, message) in spec.document_number_rules.items()
    )
    return FormPlan(
        document_types,
        info_fields,
        spec.rule,
        minimum,
        tax_id=spec.tax_id,
        document_number_help=str(spec.document_number_help),
        document_number_rules=rules,
    )


def _document_types(values: Any, labels: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(values, list | tuple):
        raise InvalidResponseError("supported document types are not a list")
    seen: dict[str, str] = {}
    for value in values:
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH:
            raise InvalidResponseError("a supported document type is not a name")
        seen.setdefault(value, str(labels.get(value) or humanise(value)))
    if not seen:
        raise InvalidResponseError("no supported document type")
    return tuple(seen.items())


def _info_fields(spec: FormSpec) -> tuple[InfoField, ...]:
    fields: dict[str, InfoField] = {}
    for field in spec.additional_fields:
        name = getattr(field, "name", None)
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
            raise InvalidResponseError("an additional information field has no usable name")
        if name in fields:
            continue  # a repeated option adds nothing
        kind = "url" if getattr(field, "type", None) == "url" else "text"  # unknown: text
        required = getattr(field, "required", False) is True
        label = str(getattr(field, "label", "") or "")
        hint = getattr(field, "hint", "") or ""
        suggestions = _suggestions(getattr(field, "suggestions", ()))
        form_name = f"info_{len(fields)}"
        fields[name] = InfoField(form_name, name, kind, required, label, hint, suggestions)
    return tuple(fields.values())


def _suggestions(pairs: Any) -> tuple[tuple[str, Any], ...]:
    """Well-formed (value, label) pairs only: a value must fit the field."""
    if not isinstance(pairs, list | tuple):
        return ()
    return tuple(
        (pair[0], pair[1])
        for pair in pairs
        if isinstance(pair, tuple | list) and len(pair) == 2 and isinstance(pair[0], str)
        if pair[0].strip() and len(pair[0]) <= MAX_VALUE_LENGTH
    )


class SuggestingInput(forms.TextInput):
    """A text input with a <datalist> of suggested values: a choice, where any text goes."""

    def __init__(self, suggestions: tuple[tuple[str, Any], ...], attrs: Any = None) -> None:
        super().__init__(attrs)
        self.suggestions = suggestions

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or name}_suggestions"
        html = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join(
            "",
            '<option value="{}"{}></option>',
            ((option, self._label(option, label)) for option, label in self.suggestions),
        )
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)

    @staticmethod
    def _label(value: str, label: Any) -> SafeString:
        text = str(label)
        return format_html(' label="{}"', text) if text and text != value else SafeString("")


def _info_form_field(info: InfoField) -> forms.Field:
    label = info.shown
    if info.kind == "url":
        return forms.URLField(
            label=label,
            required=info.required,
            max_length=MAX_VALUE_LENGTH,
            assume_scheme="https",
            help_text=info.hint or _("A link starting with https://"),
        )
    widget = SuggestingInput(info.suggestions) if info.suggestions else forms.TextInput()
    return forms.CharField(
        label=label,
        required=info.required,
        max_length=MAX_VALUE_LENGTH,
        help_text=info.hint,
        widget=widget,
    )


class SpecFormMixin(forms.Form):
    """Adds the planned document type and additional information fields to a form."""

    with_document_type = True
    with_additional_info = True

    def __init__(self, *args: Any, plan: FormPlan, **kwargs: Any) -> None:
        self.plan = plan  # before the other mixins' __init__: they read it too
        super().__init__(*args, **kwargs)
        if self.with_document_type:
            self.fields["document_type"] = forms.ChoiceField(
                label=_("Identity document"),
                choices=[("", _("Choose a document")), *plan.document_types],
            )
        if self.with_additional_info:
            for info in plan.info_fields:
                self.fields[info.form_name] = _info_form_field(info)

    @property
    def info_fields(self) -> list[forms.BoundField]:
        return [self[info.form_name] for info in self.plan.info_fields]

    @property
    def info_rule_text(self) -> str:
        """What the rule asks for, in words, when it is more than the required flags say."""
        plan = self.plan
        if plan.rule != "anyOf" or plan.min_required == 0:
            return ""
        return ngettext(
            "Fill in at least %(count)d of these fields.",
            "Fill in at least %(count)d of these fields.",
            plan.min_required,
        ) % {"count": plan.min_required}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.with_additional_info:
            cleaned["additional_info"] = self._additional_info(cleaned)
        return cleaned

    def _additional_info(self, cleaned: dict[str, Any]) -> dict[str, str]:
        values = {
            info.name: str(cleaned[info.form_name]).strip()
            for info in self.plan.info_fields
            if cleaned.get(info.form_name)
        }
        if len(values) < self.plan.min_required and not self._info_has_errors():
            self.add_error(None, self._rule_message())
        return values

    def _info_has_errors(self) -> bool:
        return any(info.form_name in self.errors for info in self.plan.info_fields)

    def _rule_message(self) -> str:
        names = ", ".join(info.shown for info in self.plan.info_fields)
        return ngettext(
            "Fill in at least %(count)d of: %(fields)s.",
            "Fill in at least %(count)d of: %(fields)s.",
            self.plan.min_required,
        ) % {"count": self.plan.min_required, "fields": names}
