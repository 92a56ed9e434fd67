"""DollarPe's Indian identity and banking fields: the PAN, and a bank account or UPI ID.

What DollarPe would refuse anyway (a PAN in the wrong shape, an IFSC that cannot
exist) is refused here, with a message on the field, before a call is spent or an
attempt is used up. The journey gets these through the adapter (FormSpec.tax_id and
BankingProvider.bank_form), never by name.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kyc.models import BankAccount
from kyc.providers.dollarpe.vocabulary import user_message

PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
ACCOUNT_NUMBER = re.compile(r"^[0-9]{9,18}$")
VPA = re.compile(r"^[a-z0-9][a-z0-9._-]{1,255}@[a-z][a-z0-9.-]{1,63}$")


class PanField(forms.CharField):
    """An Indian PAN: five letters, four digits, a letter; the fourth letter P for a person."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("PAN (tax number)"))
        kwargs.setdefault("help_text", _("10 characters, as on your PAN card, e.g. ABCPE1234F."))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        )
        super().__init__(max_length=14, **kwargs)

    def to_python(self, value: Any) -> str:
        return re.sub(r"[\s-]", "", str(super().to_python(value))).upper()

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not PAN.match(value):
            raise ValidationError(
                _("A PAN has 5 letters, 4 digits and a letter, e.g. ABCPE1234F."), code="format"
            )
        if value and value[3] != "P":
            raise ValidationError(
                _("This PAN does not belong to a person (its fourth letter is not P)."),
                code="not_individual",
            )


class BankForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you want to add?"),
        choices=[
            (BankAccount.Kind.ACCOUNT, _("A bank account (account number and IFSC)")),
            (BankAccount.Kind.VPA, _("A UPI ID")),
        ],
        widget=forms.RadioSelect,
        initial=BankAccount.Kind.ACCOUNT,
    )
    account_number = forms.CharField(
        label=_("Account number"),
        required=False,
        max_length=30,
        help_text=_("9 to 18 digits. The account must be in your name."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    ifsc = forms.CharField(
        label=_("IFSC"),
        required=False,
        max_length=20,
        help_text=_("11 characters, e.g. SBIN0001234, printed on your cheque book."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    vpa = forms.CharField(
        label=_("UPI ID"),
        required=False,
        max_length=300,
        help_text=_("For example name@okbank."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "spellcheck": "false", "inputmode": "email"}
        ),
    )
    # The page shows the account fields or the UPI field, as the chosen kind says.
    kind_fields = {
        BankAccount.Kind.ACCOUNT: ("account_number", "ifsc"),
        BankAccount.Kind.VPA: ("vpa",),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") == BankAccount.Kind.VPA:
            cleaned.update(account_number="", ifsc="", vpa=self._vpa(cleaned))
        elif cleaned.get("kind") == BankAccount.Kind.ACCOUNT:
            cleaned.update(self._account(cleaned), vpa="")
        return cleaned

    def _vpa(self, cleaned: dict[str, Any]) -> str:
        vpa = str(cleaned.get("vpa") or "").strip().lower()
        if not vpa:
            self.add_error("vpa", _("Enter your UPI ID."))
        elif not VPA.match(vpa):
            self.add_error("vpa", _("A UPI ID looks like name@bank, e.g. priya@okaxis."))
        return vpa

    def _account(self, cleaned: dict[str, Any]) -> dict[str, str]:
        number = re.sub(r"\s", "", str(cleaned.get("account_number") or ""))
        ifsc = re.sub(r"\s", "", str(cleaned.get("ifsc") or "")).upper()
        if not number:
            self.add_error("account_number", _("Enter the account number."))
        elif not ACCOUNT_NUMBER.match(number):
            self.add_error("account_number", _("An account number has 9 to 18 digits."))
        if not ifsc:
            self.add_error("ifsc", _("Enter the IFSC of your branch."))
        elif not IFSC.match(ifsc):
            self.add_error(
                "ifsc", _("An IFSC has 4 letters, a zero, then 6 letters or digits: SBIN0001234.")
            )
        return {"account_number": number, "ifsc": ifsc}

    def add_refusal(self, message: str, field: str | None) -> None:
        """A refusal by DollarPe, on the field it names (ifsc_code is an older name)."""
        target = {"account_number": "account_number", "ifsc": "ifsc", "ifsc_code": "ifsc"}
        target["vpa"] = "vpa"
        self.add_error(target.get(field or ""), user_message(message))
