"""Identity numbers are encrypted at rest, with a key from the environment that rotates."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from kyc.fields import encrypt
from kyc.models import BankAccount, Submission, Verification

pytestmark = pytest.mark.django_db

PAN, AADHAAR, ACCOUNT, VPA = "ABCPR4321K", "987654321012", "50100012345678", "asha@oksbi"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def stored(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    user = get_user_model().objects.create_user("enc", "enc@example.com", "pw-12345678")
    verification = Verification.objects.create(
        user=user, full_name="Asha Rao", email=user.email, phone="+919911002211", nationality="IND"
    )
    submission = Submission.objects.create(
        verification=verification,
        kind="initial",
        data={"tax_number": PAN, "document_number": AADHAAR},
    )
    account = BankAccount.objects.create(
        verification=verification,
        kind="account",
        account_number=ACCOUNT,
        ifsc="HDFC0001234",
        label="x",
    )
    upi = BankAccount.objects.create(verification=verification, kind="vpa", vpa=VPA, label="y")
    return submission, account, upi


def test_numbers_are_not_in_the_database_in_clear(stored):
    submission, account, upi = stored
    raw = [
        _raw("kyc_submission", "data", submission.pk),
        _raw("kyc_bankaccount", "account_number", account.pk),
        _raw("kyc_bankaccount", "vpa", upi.pk),
    ]
    for value, secret in zip(raw, (PAN, ACCOUNT, VPA), strict=True):
        assert secret not in value
        assert value.startswith("gAAAA")  # a Fernet token
    assert AADHAAR not in raw[0]
    assert Submission.objects.get(pk=submission.pk).data["tax_number"] == PAN
    assert BankAccount.objects.get(pk=account.pk).account_number == ACCOUNT


def test_key_rotation(stored, settings, capsys):
    submission, account, upi = stored
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    before = _raw("kyc_bankaccount", "account_number", account.pk)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("kyc_reencrypt")
    assert "kyc.Submission: 1 rows re-encrypted" in capsys.readouterr().out
    assert _raw("kyc_bankaccount", "account_number", account.pk) != before
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: everything still reads
    assert Submission.objects.get(pk=submission.pk).data["document_number"] == AADHAAR
    assert BankAccount.objects.get(pk=upi.pk).vpa == VPA


def test_a_missing_key_is_a_clear_error(stored, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        BankAccount.objects.get(pk=stored[1].pk)


def test_a_malformed_key_is_a_clear_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        encrypt("x")
