"""The US Social Security number Qolo's CDD programs need [FLOWS], as a form field."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SSN = re.compile(r"^\d{9}$")


class SsnField(forms.CharField):
    """Nine digits (dashes and spaces allowed when typed); never an area 000, 666 or 9xx,
    a group 00 or a serial 0000, which the SSA never issues."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("SSN (Social Security number)"))
        kwargs.setdefault("help_text", _("9 digits, e.g. 123-45-6789."))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        )
        super().__init__(max_length=11, **kwargs)

    def to_python(self, value: Any) -> str:
        return re.sub(r"[\s-]", "", str(super().to_python(value)))

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not value:
            return
        if not SSN.match(value):
            raise ValidationError(_("An SSN has 9 digits, e.g. 123-45-6789."), code="format")
        area, group, serial = value[:3], value[3:5], value[5:]
        if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
            raise ValidationError(_("This is not a valid SSN."), code="invalid")
