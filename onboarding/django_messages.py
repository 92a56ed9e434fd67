# ruff: noqa: RUF001, RUF002 - Django's msgids use the typographic apostrophe, exactly.
"""Django's own words that our pages show, named here so our catalogs translate them.

Django's Hindi and Tamil catalogs leave many of these untranslated (the password rules, most
form errors), and a translation in LOCALE_PATHS wins over Django's. Listing the exact msgids
here keeps them in `make messages` and under the catalog test. Nothing imports this module:
it is read by xgettext only. Add a line when a page starts showing another of Django's
messages; the msgid must be Django's, character for character (its apostrophes are ’).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

FORM_ERRORS = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid value."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("No file was submitted. Check the encoding type on the form."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
)

FORM_ERRORS_PLURAL = (
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        "max",
    ),
)

# Signing up, logging in and choosing a new password (django.contrib.auth).
ACCOUNTS = (
    gettext_noop("Email"),
    gettext_noop("New password"),
    gettext_noop("New password confirmation"),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both fields may be "
        "case-sensitive."
    ),
    gettext_noop("This account is inactive."),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    # The user attributes the similarity rule names (%(verbose_name)s above).
    gettext_noop("username"),
    gettext_noop("email address"),
    gettext_noop("first name"),
    gettext_noop("last name"),
)

ACCOUNTS_PLURAL = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        8,
    ),
)
