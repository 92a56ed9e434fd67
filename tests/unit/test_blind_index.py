"""The blind index's hashing: normalisation, its own key, rotation, and its settings."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.core.exceptions import ImproperlyConfigured

from kyc.blind_index import Kind, digest, entries, lookup_digests, newest_key_id, normalise
from onboarding import samples
from onboarding.env import env_keys

NEW = "a-new-blind-index-key-of-32-characters-or-more"
OLD = "an-old-blind-index-key-of-32-characters-or-more"


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        (Kind.TAX_NUMBER, "abcpr 1234-k", "ABCPR1234K"),
        (Kind.DOCUMENT_NUMBER, "9876 5432 1012", "987654321012"),
        (Kind.DOCUMENT_NUMBER, "p-123.456/7", "P1234567"),
        (Kind.ACCOUNT_NUMBER, " 1234 5678 9012 ", "123456789012"),
        (Kind.PHONE, "+91 98123-45678", "+919812345678"),
        (Kind.PHONE, "0091 (98123) 45678", "+919812345678"),
        (Kind.PHONE, "98123 45678", "9812345678"),
        (Kind.EMAIL, " Asha.Rao@Example.COM ", "asha.rao@example.com"),
        (Kind.VPA, "Asha.Rao@OKAXIS", "asha.rao@okaxis"),
    ],
)
def test_numbers_are_normalised_before_hashing(kind, typed, stored):
    assert normalise(kind, typed) == stored


def test_a_digest_is_hmac_sha256_of_the_kind_and_the_value_with_the_index_key():
    expected = hmac.new(NEW.encode(), b"tax_number\x00ABCPR1234K", hashlib.sha256).hexdigest()
    assert digest("tax_number", "ABCPR1234K", NEW) == expected
    assert digest("tax_number", "ABCPR1234K", OLD) != expected  # keyed: no key, no match
    assert digest("document_number", "ABCPR1234K", NEW) != expected  # the kind is hashed in


def test_the_newest_key_indexes_and_every_key_is_looked_up(settings):
    settings.KYC_BLIND_INDEX_KEYS = {"k2": NEW, "k1": OLD}
    assert newest_key_id() == "k2"
    written = list(entries("phone", "+91 98123 45678"))
    assert [(e.key_id, e.digest) for e in written] == [
        ("k2", digest("phone", "+919812345678", NEW))
    ]
    looked_up = lookup_digests([("phone", "+919812345678")])
    assert looked_up == {
        digest("phone", "+919812345678", NEW): "phone",
        digest("phone", "+919812345678", OLD): "phone",
    }
    assert "+919812345678" not in str(written) + str(looked_up)  # only digests come out


def test_an_empty_value_has_no_entry(settings):
    assert list(entries("tax_number", " - ")) == []
    assert list(entries("email", None)) == []


def test_keys_are_read_newest_first_from_the_environment(monkeypatch):
    monkeypatch.setenv("KYC_BLIND_INDEX_KEYS", f"k2:{NEW}, k1:{OLD}")
    assert list(env_keys("KYC_BLIND_INDEX_KEYS", "x:y").items()) == [("k2", NEW), ("k1", OLD)]
    monkeypatch.delenv("KYC_BLIND_INDEX_KEYS")
    assert env_keys("KYC_BLIND_INDEX_KEYS", "sample:value") == {"sample": "value"}


@pytest.mark.parametrize("value", ["no-colon", "k1:a,k1:b", ":key", "k1:", "bad id!:key"])
def test_malformed_keys_stop_start_up_without_echoing_them(monkeypatch, value):
    monkeypatch.setenv("KYC_BLIND_INDEX_KEYS", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_keys("KYC_BLIND_INDEX_KEYS", "x:y")
    assert "KYC_BLIND_INDEX_KEYS" in str(refused.value)


def _errors() -> list[str]:
    return [f"{m.id}: {m.msg}" for m in samples.blind_index_keys()]


def test_the_sample_key_is_refused_without_naming_it(settings):
    settings.KYC_BLIND_INDEX_KEYS = {"new": NEW, "sample": samples.BLIND_INDEX_SAMPLE}
    assert _errors() == [
        "onboarding.E006: KYC_BLIND_INDEX_KEYS is the public sample value from the README: "
        "set your own."
    ]
    assert samples.BLIND_INDEX_SAMPLE not in " ".join(_errors())


def test_a_key_shared_with_secret_key_or_the_field_encryption_is_refused(settings):
    settings.KYC_BLIND_INDEX_KEYS = {"k1": settings.SECRET_KEY}
    assert any("a key of its own" in error for error in _errors())
    settings.KYC_BLIND_INDEX_KEYS = {"k1": settings.FIELD_ENCRYPTION_KEYS[0]}
    assert any("a key of its own" in error for error in _errors())
    settings.KYC_BLIND_INDEX_KEYS = {"k1": "short"}
    assert any("at least 32 characters" in error for error in _errors())
    settings.KYC_BLIND_INDEX_KEYS = {"k1": NEW}
    assert _errors() == []


def test_start_up_without_debug_runs_the_blind_index_check(settings):
    from onboarding.checks import check_unsafe_defaults

    settings.DEBUG = False
    settings.KYC_BLIND_INDEX_KEYS = {"sample": samples.BLIND_INDEX_SAMPLE}
    assert "onboarding.E006" in {m.id for m in check_unsafe_defaults(None)}
    settings.DEBUG = True
    assert check_unsafe_defaults(None) == []
