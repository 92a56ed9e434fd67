"""Forms of the end-user journey: everything the user types is validated here first.

What the provider would refuse anyway (a phone number that is not one, a country code
outside ISO 3166, a PAN in the wrong shape, an IFSC that cannot exist) is refused
here, with a message on the field, before a call is spent or an attempt is used up.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import phonenumbers
from botocore.exceptions import BotoCoreError, ClientError
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyc.models import BankAccount, Document, Verification
from kyc.services.documents import document_store
from onboarding.countries import alpha_2, country_choices, country_name
from onboarding.formbuilder import SpecFormMixin
from onboarding.uploads import too_large

PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
ACCOUNT_NUMBER = re.compile(r"^[0-9]{9,18}$")
VPA = re.compile(r"^[a-z0-9][a-z0-9._-]{1,255}@[a-z][a-z0-9.-]{1,63}$")
DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{4,30}$")
EARLIEST_BIRTH = date(1900, 1, 1)
ADULT_AGE = 18


def _countries_with_blank() -> list[tuple[str, Any]]:
    return [("", _("Choose a country")), *country_choices()]


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


class JourneyForm(forms.Form):
    """Labels without a colon; non-field errors in the summary link to `summary_anchor`."""

    summary_anchor = "error-summary"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --- Accounts ---------------------------------------------------------------------------------
class SignupForm(JourneyForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=150,  # the username column holds it
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        users = get_user_model().objects
        if users.filter(username__iexact=email).exists() or users.filter(email__iexact=email):
            raise ValidationError(_("An account with this email address already exists."))
        return str(email)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first and "email" in cleaned:
            user = get_user_model()(username=cleaned["email"], email=cleaned["email"])
            try:
                password_validation.validate_password(first, user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self) -> Any:
        email = self.cleaned_data["email"]
        return get_user_model().objects.create_user(
            username=email, email=email, password=self.cleaned_data["password1"]
        )


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with the email address (it is the username), whatever its case."""

    summary_anchor = "id_username"

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )

    def clean_username(self) -> str:
        return str(self.cleaned_data.get("username", "")).strip().lower()


# --- Profile ----------------------------------------------------------------------------------
class ProfileForm(JourneyForm):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=255,
        help_text=_("As written on your identity document."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"),
        choices=_countries_with_blank,
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        help_text=_("With the country code if it is not from your country, e.g. +91 98765 43210."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    non_resident = forms.BooleanField(
        label=_("I live outside my country of nationality (non-resident)"), required=False
    )
    residence_country = forms.ChoiceField(
        label=_("Country where you live"),
        choices=_countries_with_blank,
        required=False,
        help_text=_("Needed only if you are a non-resident."),
    )

    def clean_full_name(self) -> str:
        return " ".join(str(self.cleaned_data["full_name"]).split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("non_resident"):
            cleaned["residence_country"] = ""
        elif not cleaned.get("residence_country"):
            self.add_error(
                "residence_country", _("Choose the country where you live as a non-resident.")
            )
        if "phone" in cleaned and "nationality" in cleaned:
            self._clean_phone(cleaned)
        return cleaned

    def _clean_phone(self, cleaned: dict[str, Any]) -> None:
        home = cleaned.get("residence_country") or cleaned["nationality"]
        try:
            number = phonenumbers.parse(cleaned["phone"], alpha_2(home))
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            self.add_error(
                "phone", _("Enter a valid mobile phone number, with its country code if needed.")
            )
            return
        cleaned["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def profile(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}

    def add_provider_errors(self, errors: dict[str, list[str]]) -> None:
        """The provider's refusal, each message on the field it is about."""
        for name, messages in errors.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, provider_message(message))


# The provider's documented refusals, in the user's language (keys: lower case, no final dot).
PROVIDER_MESSAGES = {
    "email already in use": _(
        "This email address is already registered with our verification partner. "
        "Use another address."
    ),
    "phone already in use": _(
        "This phone number is already registered with our verification partner. Use another number."
    ),
    "invalid country code": _("Our verification partner does not accept this country."),
    "client reference id already exists": _(
        "Your registration is already known to our verification partner. "
        "Please try again in a minute."
    ),
    "enter a valid phone number": _("Enter a valid mobile phone number."),
    "enter a valid email address": _("Enter a valid email address."),
    "account number already in use": _("This account number is already registered."),
    "vpa already in use": _("This UPI ID is already registered."),
    "maximum 3 upi ids allowed": _("You already have 3 UPI IDs, the most allowed."),
    "maximum 3 bank account details allowed": _(
        "You already have 3 bank accounts, the most allowed."
    ),
    "kyc already in use": _("These details are already used by another customer."),
    "customer is unverified": _("Your identity must be verified before you add a bank account."),
    "your identity must be verified before you add a bank account": _(
        "Your identity must be verified before you add a bank account."
    ),
}


def provider_message(text: str) -> str:
    """A provider's message in the user's language when we know it, else as it came."""
    known = PROVIDER_MESSAGES.get(text.strip().rstrip(".").lower())
    return str(known) if known else text


# --- KYC details ------------------------------------------------------------------------------
class TaxNumberField(forms.CharField):
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


class AddressForm(JourneyForm):
    """The residential address, sent to the provider as one line."""

    address_line1 = forms.CharField(
        label=_("Address line 1"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label=_("Address line 2 (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    region = forms.CharField(
        label=_("State or region (optional)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level1"}),
    )
    postal_code = forms.CharField(
        label=_("PIN or postal code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    address_country = forms.ChoiceField(
        label=_("Country"),
        choices=_countries_with_blank,
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )

    def full_address(self) -> str:
        data = self.cleaned_data
        place = " ".join(filter(None, [data["city"], data.get("region"), data["postal_code"]]))
        parts = [data["address_line1"], data.get("address_line2"), place]
        parts.append(country_name(data["address_country"]))
        return ", ".join(" ".join(str(part).split()) for part in parts if part)


class DocumentNumberMixin(forms.Form):
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        help_text=_("For Aadhaar, the 12 digits; for a passport, the file number."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_document_number(self) -> str:
        number = re.sub(r"[\s-]", "", str(self.cleaned_data["document_number"])).upper()
        if not DOCUMENT_NUMBER.match(number):
            raise ValidationError(_("Use the letters and digits of the document number only."))
        return number

    def _check_document_number(self, cleaned: dict[str, Any]) -> None:
        number = cleaned.get("document_number")
        aadhaar = cleaned.get("document_type") == "AADHAAR"
        if aadhaar and number and not (number.isdigit() and len(number) == 12):
            self.add_error("document_number", _("An Aadhaar number has 12 digits."))


def _dob_widget() -> forms.DateInput:
    today = timezone.localdate()
    return forms.DateInput(
        format="%Y-%m-%d",
        attrs={
            "type": "date",
            "autocomplete": "bday",
            "min": EARLIEST_BIRTH.isoformat(),
            "max": _years_ago(today, ADULT_AGE).isoformat(),
        },
    )


class KycForm(SpecFormMixin, DocumentNumberMixin, AddressForm):
    """The first KYC submission: address, birth date, PAN, document, and what the provider asks."""

    summary_anchor = "additional-info"  # its only non-field error is the allOf/anyOf rule

    dob = forms.DateField(label=_("Date of birth"), input_formats=["%Y-%m-%d", "%d-%m-%Y"])
    tax_number = TaxNumberField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dob"].widget = _dob_widget()
        self.fields["dob"].help_text = _("You must be at least 18.")

    def clean_dob(self) -> date:
        born: date = self.cleaned_data["dob"]
        today = timezone.localdate()
        if born < EARLIEST_BIRTH or born > today:
            raise ValidationError(_("Enter your real date of birth."))
        if born > _years_ago(today, ADULT_AGE):
            raise ValidationError(_("You must be at least 18 to open an account."))
        return born

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._check_document_number(cleaned)
        return cleaned

    def submission_data(self, verification: Verification) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            "full_name": verification.full_name,
            "phone": verification.phone,
            "full_address": self.full_address(),
            "dob": data["dob"].isoformat(),
            "tax_number": data["tax_number"],
            "document_type": data["document_type"],
            "document_number": data["document_number"],
        }
        if data.get("additional_info"):
            result["additional_info"] = data["additional_info"]
        return result


class DocumentFixForm(SpecFormMixin, DocumentNumberMixin, AddressForm):
    """DOCUMENT failed: new document details (the new images come with the uploads form)."""

    with_additional_info = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._check_document_number(cleaned)
        return cleaned

    def submission_data(self, verification: Verification) -> dict[str, Any]:
        return {
            "full_address": self.full_address(),
            "document_type": self.cleaned_data["document_type"],
            "document_number": self.cleaned_data["document_number"],
            "phone": verification.phone,
        }


class AdditionalInfoFixForm(SpecFormMixin, JourneyForm):
    with_document_type = False
    summary_anchor = "additional-info"

    def submission_data(self, verification: Verification) -> dict[str, Any]:
        return {"additional_info": self.cleaned_data["additional_info"]}


class TaxFixForm(JourneyForm):
    tax_number = TaxNumberField()

    def submission_data(self, verification: Verification) -> dict[str, Any]:
        return {"tax_number": self.cleaned_data["tax_number"]}


# --- Uploads ----------------------------------------------------------------------------------
UPLOAD_LABELS: dict[str, Any] = {
    Document.Kind.FRONT: _("Front of your identity document"),
    Document.Kind.BACK: _("Back of your identity document"),
    Document.Kind.SELFIE: _("A photo of your face (selfie)"),
}
UPLOAD_HINTS: dict[str, Any] = {
    Document.Kind.FRONT: _("A photo or scan: JPEG, PNG or PDF."),
    Document.Kind.BACK: _("A photo or scan: JPEG, PNG or PDF."),
    Document.Kind.SELFIE: _("Look straight at the camera, in good light. JPEG or PNG."),
}
UPLOAD_ACCEPT: dict[str, str] = {
    Document.Kind.FRONT: "image/jpeg,image/png,application/pdf",
    Document.Kind.BACK: "image/jpeg,image/png,application/pdf",
    Document.Kind.SELFIE: "image/jpeg,image/png",
}
UPLOAD_CAMERA: dict[str, str] = {
    Document.Kind.FRONT: "environment",
    Document.Kind.BACK: "environment",
    Document.Kind.SELFIE: "user",
}
MISSING: dict[str, Any] = {
    Document.Kind.FRONT: _("Add a photo or scan of the front of your document."),
    Document.Kind.BACK: _("Add a photo or scan of the back of your document."),
    Document.Kind.SELFIE: _("Add a selfie."),
}


class UploadsForm(JourneyForm):
    """Document files: uploaded already by the browser (an id), or posted with this form.

    With JavaScript the file goes straight to the bucket and only its id is posted; without,
    the file arrives here and is streamed to the bucket. Either way the stored object is
    checked, and only an accepted document of this user's verification is used.
    """

    def __init__(
        self,
        *args: Any,
        verification: Verification,
        kinds: list[str],
        request: HttpRequest | None = None,
        newer_than: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.verification, self.kinds, self.request = verification, kinds, request
        self.newer_than = newer_than
        self.documents: dict[str, Document] = {}
        for kind in kinds:
            self._add_fields(kind)
            found = self._latest_accepted(kind)  # kept, unless a new file replaces it
            if found is not None:
                self.documents[kind] = found

    def _add_fields(self, kind: str) -> None:
        self.fields[kind] = forms.FileField(
            label=UPLOAD_LABELS[kind],
            required=False,
            help_text=UPLOAD_HINTS[kind],
            widget=forms.FileInput(attrs={"accept": UPLOAD_ACCEPT[kind]}),
        )
        self.fields[f"{kind}_camera"] = forms.FileField(
            label=_("Take a photo"),
            required=False,
            widget=forms.FileInput(attrs={"accept": "image/*", "capture": UPLOAD_CAMERA[kind]}),
        )
        self.fields[f"{kind}_id"] = forms.CharField(required=False, widget=forms.HiddenInput)

    def _accepted(self) -> Any:
        documents = Document.objects.filter(
            verification=self.verification, state=Document.State.ACCEPTED
        )
        if self.newer_than is not None:
            documents = documents.filter(created_at__gt=self.newer_than)
        return documents

    def _latest_accepted(self, kind: str) -> Document | None:
        return self._accepted().filter(kind=kind).order_by("-created_at").first()

    def slots(self) -> list[dict[str, Any]]:
        return [
            {
                "kind": kind,
                "field": self[kind],
                "camera": self[f"{kind}_camera"],
                "document": self.documents.get(kind),
                "capture": UPLOAD_CAMERA[kind],
            }
            for kind in self.kinds
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for kind in self.kinds:
            self._resolve(kind, cleaned)
        cleaned["documents"] = {kind: self.documents[kind].pk for kind in self.documents}
        return cleaned

    def _resolve(self, kind: str, cleaned: dict[str, Any]) -> None:
        upload = cleaned.get(kind) or cleaned.get(f"{kind}_camera")
        skipped = too_large(self.request) & {kind, f"{kind}_camera"}
        if skipped:
            limit = filesizeformat(settings.DOCUMENT_MAX_BYTES)
            self.add_error(kind, _("The file is larger than %(limit)s.") % {"limit": limit})
        elif upload:
            self._store(kind, upload)
        elif cleaned.get(f"{kind}_id"):
            self._use_uploaded(kind, str(cleaned[f"{kind}_id"]))
        if kind not in self.documents and kind not in self.errors:
            self.add_error(kind, MISSING[kind])

    def _store(self, kind: str, upload: Any) -> None:
        self.documents.pop(kind, None)
        try:
            document = document_store(verification=self.verification, kind=kind, upload=upload)
        except (BotoCoreError, ClientError):
            self.add_error(kind, _("We could not store your file just now. Please try again."))
            return
        if document.state != Document.State.ACCEPTED:
            self.add_error(kind, document.rejection_reason)
            return
        self.documents[kind] = document

    def _use_uploaded(self, kind: str, raw_id: str) -> None:
        found = self._accepted().filter(kind=kind, pk=int(raw_id)) if raw_id.isdigit() else None
        document = found.first() if found is not None else None
        if document is None:
            self.documents.pop(kind, None)
            self.add_error(kind, _("We do not have this file. Please add it again."))
            return
        self.documents[kind] = document


# --- Bank accounts ----------------------------------------------------------------------------
class BankForm(JourneyForm):
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
        """A refusal by the provider, on the field it names (ifsc_code is an older name)."""
        target = {"account_number": "account_number", "ifsc": "ifsc", "ifsc_code": "ifsc"}
        target["vpa"] = "vpa"
        self.add_error(target.get(field or ""), provider_message(message))
