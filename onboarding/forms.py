"""Forms of the end-user journey: everything the user types is validated here first.

What the provider would refuse anyway (a phone number that is not one, a country code
outside ISO 3166, a tax number in the wrong shape) is refused here, with a message on
the field, before a call is spent or an attempt is used up. What is the provider's own
(its tax number and how it is checked, its document types, its bank details) comes
from the provider's package through the FormSpec or the BankingProvider.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers
from botocore.exceptions import BotoCoreError, ClientError
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kyc import jobs
from kyc.models import Document, Verification
from kyc.providers.interface import PROFILE_DATE_OF_BIRTH, PROFILE_SPLIT_NAME, TaxId
from kyc.quality import warnings_of
from kyc.services.documents import document_send_anyway, document_store, too_large_message
from kyc.services.notify import user_language
from onboarding.capture import receipt
from onboarding.countries import alpha_2, default_country, likely_first_choices
from onboarding.formbuilder import FormPlan, SpecFormMixin
from onboarding.limits import LoginLockout
from onboarding.prg import Kept
from onboarding.uploads import too_large
from onboarding.widgets import CountrySelect

DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{4,30}$")
EARLIEST_BIRTH = date(1900, 1, 1)
ADULT_AGE = 18


def _countries_with_blank() -> list[tuple[str, Any]]:
    return [("", _("Choose a country")), *likely_first_choices()]


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
        # Whether an account has it is not said here (onboarding/signup.py).
        return str(self.cleaned_data["email"].strip().lower())

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


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, with the email handed to a worker (kyc.tasks.send_password_reset)
    instead of sent from the web request."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        context = args[2] if len(args) > 2 else kwargs["context"]
        # In the account's language, else in the page's.
        language = user_language(context["user"]) or translation.get_language()
        jobs.after_commit(
            jobs.SEND_PASSWORD_RESET, {"user_id": context["user"].pk, "language": language}
        )


class EmailAuthenticationForm(LoginLockout, AuthenticationForm):
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


class AdminLoginForm(LoginLockout, AdminAuthenticationForm):
    """The admin's login form, under the same lockout as the journey's."""


# --- Profile ----------------------------------------------------------------------------------
class ProfileForm(JourneyForm):
    """Who the applicant is. `needs` are the extra fields a provider asks for at this step
    (kyc.providers.interface.PROFILE_*): with a split name, full_name is "given family"."""

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
        initial=default_country,
        widget=CountrySelect(attrs={"autocomplete": "country"}, source=_countries_with_blank),
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
        widget=CountrySelect(source=_countries_with_blank),
        help_text=_("Needed only if you are a non-resident."),
    )

    def __init__(self, *args: Any, needs: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if PROFILE_SPLIT_NAME in needs:
            self._split_name()
        if PROFILE_DATE_OF_BIRTH in needs:
            self._ask_date_of_birth()

    def _split_name(self) -> None:
        del self.fields["full_name"]
        given = forms.CharField(
            label=_("Given name(s)"),
            max_length=100,
            help_text=_("As written on your identity document."),
            widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        )
        family = forms.CharField(
            label=_("Family name"),
            max_length=100,
            widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        )
        self.fields = {"given_name": given, "family_name": family, **self.fields}

    def _ask_date_of_birth(self) -> None:
        # After the name, where a person expects it.
        fields = list(self.fields.items())
        at = next(i for i, (name, _f) in enumerate(fields) if name == "email")
        fields.insert(at, ("date_of_birth", date_of_birth_field()))
        self.fields = dict(fields)

    def clean_date_of_birth(self) -> date:
        return checked_birth_date(self.cleaned_data["date_of_birth"])

    @property
    def split_name(self) -> bool:
        return "given_name" in self.fields

    @property
    def asks_date_of_birth(self) -> bool:
        return "date_of_birth" in self.fields

    @staticmethod
    def _one_space(value: Any) -> str:
        return " ".join(str(value).split())

    def clean_full_name(self) -> str:
        return self._one_space(self.cleaned_data["full_name"])

    def clean_given_name(self) -> str:
        return self._one_space(self.cleaned_data["given_name"])

    def clean_family_name(self) -> str:
        return self._one_space(self.cleaned_data["family_name"])

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
        values = {name: self.cleaned_data[name] for name in self.fields}
        if "given_name" in values:
            values["full_name"] = f"{values['given_name']} {values['family_name']}"
        return values

    def add_provider_errors(
        self, errors: dict[str, list[str]], words: Callable[[str], str] = str
    ) -> None:
        """The provider's refusal, each message on the field it is about, in its words
        for the user (Provider.user_message)."""
        fallback = {"full_name": "given_name"} if "given_name" in self.fields else {}
        for name, messages in errors.items():
            name = fallback.get(name, name)
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, words(message))


# --- KYC details ------------------------------------------------------------------------------
# The address fields and the keys of the structured address they are sent as.
ADDRESS_KEYS = {
    "address_line1": "line1",
    "address_line2": "line2",
    "city": "city",
    "region": "region",
    "postal_code": "postal_code",
    "address_country": "country",
}


class AddressForm(JourneyForm):
    """The residential address, kept structured (each provider writes it its own way)."""

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
        initial=default_country,
        widget=CountrySelect(attrs={"autocomplete": "country"}, source=_countries_with_blank),
    )

    def address(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            key: " ".join(str(data.get(name) or "").split()) for name, key in ADDRESS_KEYS.items()
        }


class DocumentNumberMixin(forms.Form):
    """The identity document's number, with the provider's help text and per-type checks."""

    plan: FormPlan
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_number"].help_text = self.plan.document_number_help

    def clean_document_number(self) -> str:
        number = re.sub(r"[\s-]", "", str(self.cleaned_data["document_number"])).upper()
        if not DOCUMENT_NUMBER.match(number):
            raise ValidationError(_("Use the letters and digits of the document number only."))
        return number

    def _check_document_number(self, cleaned: dict[str, Any]) -> None:
        number = cleaned.get("document_number")
        for doc_type, pattern, message in self.plan.document_number_rules:
            wrong = number and not re.fullmatch(pattern, number)
            if cleaned.get("document_type") == doc_type and wrong:
                self.add_error("document_number", message)


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


def date_of_birth_field() -> forms.DateField:
    return forms.DateField(
        label=_("Date of birth"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        widget=_dob_widget(),
        help_text=_("You must be at least 18."),
    )


def checked_birth_date(born: date) -> date:
    today = timezone.localdate()
    if born < EARLIEST_BIRTH or born > today:
        raise ValidationError(_("Enter your real date of birth."))
    if born > _years_ago(today, ADULT_AGE):
        raise ValidationError(_("You must be at least 18 to open an account."))
    return born


class KycForm(SpecFormMixin, DocumentNumberMixin, AddressForm):
    """The first KYC submission: address, birth date, the provider's tax number (when it
    asks for one), the document, and the additional information the provider wants."""

    summary_anchor = "additional-info"  # its only non-field error is the allOf/anyOf rule

    dob = date_of_birth_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dob"].widget = _dob_widget()  # today's limits, not the import's
        if self.plan.tax_id is not None:
            self.fields["tax_number"] = self.plan.tax_id.field()

    @property
    def asks_tax_number(self) -> bool:
        return "tax_number" in self.fields

    def clean_dob(self) -> date:
        return checked_birth_date(self.cleaned_data["dob"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._check_document_number(cleaned)
        return cleaned

    def submission_data(self, verification: Verification) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            "full_name": verification.full_name,
            "phone": verification.phone,
            "address": self.address(),
            "dob": data["dob"].isoformat(),
            "document_type": data["document_type"],
            "document_number": data["document_number"],
        }
        if data.get("tax_number"):
            result["tax_number"] = data["tax_number"]
        if data.get("additional_info"):
            result["additional_info"] = data["additional_info"]
        return result


class DocumentFixForm(SpecFormMixin, DocumentNumberMixin, JourneyForm):
    """DOCUMENT failed: the document's type and number again (the new images come with the
    uploads form). The address the provider has is sent with them, never asked again."""

    with_additional_info = False
    asks_address = False

    def __init__(self, *args: Any, sent: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent = sent

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._check_document_number(cleaned)
        return cleaned

    def submission_data(self, verification: Verification) -> dict[str, Any]:
        return {
            **self._address_data(),
            "document_type": self.cleaned_data["document_type"],
            "document_number": self.cleaned_data["document_number"],
            "phone": verification.phone,
        }

    def _address_data(self) -> dict[str, Any]:
        # Older submissions kept the address on one line (DollarPe's full_address).
        for name in ("address", "full_address"):
            if self.sent.get(name):
                return {name: self.sent[name]}
        return {}


class DocumentAndAddressFixForm(DocumentFixForm, AddressForm):
    """The same, for an applicant whose address the provider never got from us."""

    asks_address = True

    def _address_data(self) -> dict[str, Any]:
        return {"address": self.address()}


class AdditionalInfoFixForm(SpecFormMixin, JourneyForm):
    with_document_type = False
    summary_anchor = "additional-info"

    def submission_data(self, verification: Verification) -> dict[str, Any]:
        return {"additional_info": self.cleaned_data["additional_info"]}


class TaxFixForm(JourneyForm):
    """The provider's tax number, again (its field is the provider's, Provider.tax_id)."""

    def __init__(self, *args: Any, tax_id: TaxId, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tax_number"] = tax_id.field()

    def submission_data(self, verification: Verification) -> dict[str, Any]:
        return {"tax_number": self.cleaned_data["tax_number"]}


class ChallengeForm(JourneyForm):
    """One choice per question the provider asks (its options, as it wrote them)."""

    def __init__(self, *args: Any, questions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys: dict[str, str] = {}
        for index, question in enumerate(questions):
            name = f"question_{index}"
            self.keys[name] = str(question.get("key"))
            options = [str(option) for option in question.get("options") or []]
            self.fields[name] = forms.ChoiceField(
                label=str(question.get("prompt") or _("Question %d") % (index + 1)),
                choices=[(option, option) for option in options],
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer to this question.")},
            )

    def answers(self) -> dict[str, str]:
        """{the provider's question key: the option chosen}."""
        return {self.keys[name]: self.cleaned_data[name] for name in self.keys}


# --- Uploads ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadSlot:
    """What the photo step says and takes for one kind of file."""

    label: Any
    hint: Any
    accept: str  # the file picker's types
    camera: str  # which camera a phone opens: the back one for a document, the front one
    primary: Any  # the camera control's label
    secondary: Any  # the file picker's label
    retake: Any
    missing: Any  # the error when no file was given


UPLOAD_SLOTS: dict[str, UploadSlot] = {
    Document.Kind.FRONT: UploadSlot(
        label=_("Front of your identity document"),
        hint=_("A photo or scan: JPEG, PNG or PDF."),
        accept="image/jpeg,image/png,application/pdf",
        camera="environment",
        primary=_("Take a photo of the front"),
        secondary=_("Or choose a photo or a PDF from this device"),
        retake=_("Take another photo of the front"),
        missing=_("Add a photo or scan of the front of your document."),
    ),
    Document.Kind.BACK: UploadSlot(
        label=_("Back of your identity document"),
        hint=_("A photo or scan: JPEG, PNG or PDF."),
        accept="image/jpeg,image/png,application/pdf",
        camera="environment",
        primary=_("Take a photo of the back"),
        secondary=_("Or choose a photo or a PDF from this device"),
        retake=_("Take another photo of the back"),
        missing=_("Add a photo or scan of the back of your document."),
    ),
    Document.Kind.SELFIE: UploadSlot(
        label=_("A photo of your face (selfie)"),
        hint=_("Look straight at the camera, in good light. JPEG or PNG."),
        accept="image/jpeg,image/png",
        camera="user",
        primary=_("Take a selfie"),
        secondary=_("Or choose a photo from this device"),
        retake=_("Take another selfie"),
        missing=_("Add a selfie."),
    ),
}


class UploadsForm(Kept, JourneyForm):
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
        self.stored_now: list[str] = []  # kinds whose file came with this POST
        for kind in kinds:
            self._add_fields(kind)
            found = self._latest_accepted(kind)  # kept, unless a new file replaces it
            if found is not None:
                self.documents[kind] = found

    def _add_fields(self, kind: str) -> None:
        slot = UPLOAD_SLOTS[kind]
        self.fields[kind] = forms.FileField(
            label=slot.label,
            required=False,
            help_text=slot.hint,
            widget=forms.FileInput(attrs={"accept": slot.accept}),
        )
        self.fields[f"{kind}_camera"] = forms.FileField(
            label=slot.primary,
            required=False,
            widget=forms.FileInput(attrs={"accept": "image/*", "capture": slot.camera}),
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

    @property
    def anchors(self) -> dict[str, str]:
        """The error summary links each slot to its primary control, the camera input."""
        return {kind: self[f"{kind}_camera"].auto_id for kind in self.kinds}

    def slots(self) -> list[dict[str, Any]]:
        return [self._slot(kind) for kind in self.kinds]

    def _slot(self, kind: str) -> dict[str, Any]:
        # A slot with an error shows only the error: never "Received" beside it.
        document = None if self[kind].errors else self.documents.get(kind)
        return {
            "kind": kind,
            "field": self[kind],
            "camera": self[f"{kind}_camera"],
            "document": document,
            "received": receipt(document) if document else "",
            "warned": bool(document and warnings_of(document.quality)),
            "capture": UPLOAD_SLOTS[kind].camera,
            "secondary": UPLOAD_SLOTS[kind].secondary,
            "retake_label": UPLOAD_SLOTS[kind].retake,
        }

    # --- across POST-redirect-GET (onboarding.prg) ---------------------------------------
    def kept_data(self) -> dict[str, str]:
        """A file posted without JS is stored by now: the GET binds it by its id."""
        return {f"{kind}_id": str(document.pk) for kind, document in self.documents.items()}

    def kept_state(self) -> dict[str, Any]:
        return {"fresh": self.fresh_warnings}  # warned files, shown once

    def restore_state(self, state: dict[str, Any]) -> None:
        fresh = state.get("fresh")
        self.stored_now = (
            [k for k in fresh if k in self.documents] if isinstance(fresh, list) else []
        )

    def error_still_true(self, name: str, posted_at: str) -> bool:
        """After POST-redirect-GET: an error about a slot stays true unless a file for it
        arrived since it was posted (never an error beside "Received"). A slot with an error
        had no file to send then, so an older one is not shown as received either."""
        document = self.documents.get(name)
        if document is None:
            return True
        with contextlib.suppress(ValueError):
            if posted_at and document.created_at > datetime.fromisoformat(posted_at):
                return False
        del self.documents[name]
        return True

    @property
    def fresh_warnings(self) -> list[str]:
        """Kinds whose file arrived with this POST and has warnings: the page shows them once
        before the person goes on (the browser has warned before the upload)."""
        return [
            kind
            for kind in self.stored_now
            if kind in self.documents and warnings_of(self.documents[kind].quality)
        ]

    def send_anyway(self, actor: Any) -> None:
        """The person goes on with these files: note it on those that were warned about."""
        for document in self.documents.values():
            if warnings_of(document.quality):
                document_send_anyway(document_id=document.pk, actor=actor)

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
            self.documents.pop(kind, None)  # what the page shows is what would be sent
            self.add_error(kind, too_large_message())
        elif upload:
            self._store(kind, upload)
        elif cleaned.get(f"{kind}_id"):
            self._use_uploaded(kind, str(cleaned[f"{kind}_id"]))
        if kind not in self.documents and kind not in self.errors:
            self.add_error(kind, UPLOAD_SLOTS[kind].missing)

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
        self.stored_now.append(kind)

    def _use_uploaded(self, kind: str, raw_id: str) -> None:
        found = self._accepted().filter(kind=kind, pk=int(raw_id)) if raw_id.isdigit() else None
        document = found.first() if found is not None else None
        if document is None:
            self.documents.pop(kind, None)
            self.add_error(kind, _("We do not have this file. Please add it again."))
            return
        self.documents[kind] = document
