"""Sign-up by email confirmation, so that the sign-up page never tells whether an email
address has an account: it says "check your email" either way. A new address is sent a link;
the owner of an existing account is told someone tried, and how to log in or reset.

No account exists until the link is opened: the link carries the address and the password's
hash, encrypted (kyc.fields' keys) and dated. Nobody can hold an address they cannot read
the mail of, and a link that was never opened leaves nothing behind.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import translation

from kyc import jobs
from kyc.fields import encrypt, fernet


class AlreadyConfirmed(Exception):
    """The link's address has an account by now (this link, or another, was opened)."""


def existing_account(email: str) -> Any:
    users = get_user_model().objects
    return users.filter(username__iexact=email).first() or users.filter(email__iexact=email).first()


def signup_request(*, email: str, password: str) -> None:
    """Email the address a confirmation link, or its account's owner a note; same answer."""
    # Hashed in both cases: the hash is the slow part, and skipping it for a known address
    # would tell which one it is by the time the page takes.
    password_hash = make_password(password)
    language = translation.get_language() or ""
    user = existing_account(email)
    if user is not None:
        jobs.after_commit(jobs.SEND_SIGNUP_EXISTING, {"user_id": user.pk, "language": language})
        return
    token = encrypt(json.dumps({"email": email, "password": password_hash}))
    # The link logs in whoever opens it: sealed once more with the address, so the worker's
    # log of the task's arguments holds neither.
    sealed = encrypt(json.dumps({"email": email, "token": token}))
    jobs.after_commit(jobs.SEND_SIGNUP_LINK, {"sealed": sealed, "language": language})


def signup_token_valid(token: str) -> bool:
    return _opened(token) is not None


def signup_confirm(*, token: str) -> Any:
    """The account the link asks for, created now; None for a link that is not one of ours
    or is older than SIGNUP_LINK_HOURS. Raises AlreadyConfirmed."""
    found = _opened(token)
    if found is None:
        return None
    email, password_hash = found
    if existing_account(email) is not None:
        raise AlreadyConfirmed
    try:
        with transaction.atomic():
            user = get_user_model()(username=email, email=email, password=password_hash)
            user.save()
    except IntegrityError:  # the same link opened twice at once
        raise AlreadyConfirmed from None
    return user


def _opened(token: str) -> tuple[str, str] | None:
    try:
        text = fernet().decrypt(token.encode("ascii"), ttl=settings.SIGNUP_LINK_HOURS * 3600)
        payload = json.loads(text)
        return str(payload["email"]), str(payload["password"])
    except (InvalidToken, UnicodeEncodeError, ValueError, KeyError, TypeError):
        return None
