"""What `make run` starts with and a server with DJANGO_DEBUG off refuses.

The embedded credentials are printed in the README, so anyone can use them: a webhook signed
with the sample DollarPe secret would be taken as DollarPe's, and a sample S3 key opens the
documents bucket of any S3 server set up with it. The local email backends print emails
(sign-in and password-reset links) to the logs, write them to files or drop them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.mail.backends import console, dummy, locmem
from django.utils.module_loading import import_string

S3 = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox"}
# The file backend is a console backend writing to files: a subclass, like ours (onboarding.mail).
# The embedded KYC_BLIND_INDEX_KEYS key: with it anyone could hash a guessed PAN or phone
# number and find its applicant in a copy of the index.
BLIND_INDEX_SAMPLE = "sandbox-blind-index-key"
BLIND_INDEX_MIN_LENGTH = 32
LOCAL_EMAIL_BACKENDS = (console.EmailBackend, locmem.EmailBackend, dummy.EmailBackend)


def still_sample(samples: Mapping[str, str], *, id: str) -> list[CheckMessage]:
    """An error naming each setting still at its public sample value (never the value)."""
    return [
        Error(f"{name} is the public sample value from the README: set your own.", id=id)
        for name, sample in samples.items()
        if getattr(settings, name) == sample
    ]


def local_email() -> list[CheckMessage]:
    """An error when EMAIL_BACKEND would keep emails on this machine instead of sending them."""
    if settings.KYC_TESTS_ALLOW_LOCAL_EMAIL:  # the suite and `make bench`, which send nothing
        return []
    try:
        backend = import_string(settings.EMAIL_BACKEND)
    except ImportError:
        return [Error("EMAIL_BACKEND cannot be imported.", id="onboarding.E005")]
    if isinstance(backend, type) and issubclass(backend, LOCAL_EMAIL_BACKENDS):
        text = (
            "EMAIL_BACKEND prints, writes to files or drops every email (sign-in and "
            "password-reset links included): use one that sends them, e.g. "
            "django.core.mail.backends.smtp.EmailBackend."
        )
        return [Error(text, id="onboarding.E005")]
    return []


def blind_index_keys() -> list[CheckMessage]:
    """Errors for KYC_BLIND_INDEX_KEYS: the sample key, a short one, or one shared with
    SECRET_KEY or the field encryption (never the value itself)."""
    name, messages = "KYC_BLIND_INDEX_KEYS", list[CheckMessage]()
    keys = settings.KYC_BLIND_INDEX_KEYS.values()
    if BLIND_INDEX_SAMPLE in keys:
        text = f"{name} is the public sample value from the README: set your own."
        return [Error(text, id="onboarding.E006")]
    others = {settings.SECRET_KEY, *settings.FIELD_ENCRYPTION_KEYS}
    if any(key in others for key in keys):
        text = f"{name}: a key of its own, neither SECRET_KEY nor a FIELD_ENCRYPTION_KEYS key."
        messages.append(Error(text, id="onboarding.E006"))
    if any(len(key) < BLIND_INDEX_MIN_LENGTH for key in keys):
        text = f"{name}: every key must be at least {BLIND_INDEX_MIN_LENGTH} characters."
        messages.append(Error(text, id="onboarding.E006"))
    return messages
