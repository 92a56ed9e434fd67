"""Unit tests of the emulator's pure parts: signing, rules, config, CLI, validation."""

from __future__ import annotations

import pytest

from sandbox.dollarpe import cli, countries, signing
from sandbox.dollarpe.config import ConfigError, RuntimeConfig, parse_org
from sandbox.dollarpe.customers import normalise_phone
from sandbox.dollarpe.documents import DocumentCheck, detect_type
from sandbox.dollarpe.kyc_config import NON_RESIDENT, RESIDENT, additional_info_errors
from sandbox.dollarpe.redact import redact
from sandbox.dollarpe.rules import decide_bank, decide_kyc
from tests.sandbox.dollarpe_signer import body_text, signature
from tests.sandbox.dollarpe_support import EXECUTABLE, PDF, make_jpeg, make_png

KEY, SECRET, TS = "test_key", "test_secret", "1752670745"
BODY = {
    "customer_id": "075986f3-282b-4555-bfcd-fad973e32596",
    "tax_number": "XYZAB1234C",
    "document_details": {"document_number": "1234", "additional_data": {}},
}


# --- signing ----------------------------------------------------------------------------------


def test_empty_body_vector() -> None:
    for style in signing.STYLES:
        assert signing.sign_body(KEY, SECRET, TS, {}, style) == (
            "neJStEO7hECVV67sek21ag0V3hZQeG7WdEL9N/ZoJcA="
        )


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (signing.PYTHON_DEFAULT, "KTcMp/dM+DMOI4ETxBTl5G+p5mtOBxcRCL5Yj2smsH4="),
        (signing.COMPACT, "oLF3kNDFaB3kHuyyXC2piY2SNPDkhskazjHBRg2LL7E="),
        (signing.NODE_ALLOWLIST, "04fbHGQg+/jhFGR9LPr61ZJoufua2TXvgX+Qye7lOWM="),
    ],
)
def test_body_vectors(style: str, expected: str) -> None:
    assert signing.sign_body(KEY, SECRET, TS, BODY, style) == expected
    # The independent test-side signer agrees with the sheet's vectors too.
    assert signature(KEY, SECRET, TS, body_text(BODY, style)) == expected


def test_serialisations_match_the_sheet() -> None:
    assert signing.python_default(BODY) == (
        '{"customer_id": "075986f3-282b-4555-bfcd-fad973e32596", "document_details": '
        '{"additional_data": {}, "document_number": "1234"}, "tax_number": "XYZAB1234C"}'
    )
    assert signing.node_allowlist(BODY) == (
        '{"customer_id":"075986f3-282b-4555-bfcd-fad973e32596","document_details":{},'
        '"tax_number":"XYZAB1234C"}'
    )


def test_node_quirks() -> None:
    assert signing.node_allowlist({"b": 1.0, "a": "é", "n": [{"a": 1, "z": 2}]}) == (
        '{"a":"é","b":1,"n":[{"a":1}]}'
    )


def test_matching_style_reports_the_style_and_rejects_others() -> None:
    good = signing.sign_body(KEY, SECRET, TS, BODY, signing.PYTHON_DEFAULT)
    assert signing.matching_style(KEY, SECRET, TS, BODY, good) == signing.PYTHON_DEFAULT
    assert signing.matching_style(KEY, SECRET, TS, BODY, good, [signing.COMPACT]) is None
    assert signing.matching_style(KEY, "other", TS, BODY, good) is None
    assert signing.matching_style(KEY, SECRET, "1752670746", BODY, good) is None


# --- rules ------------------------------------------------------------------------------------


def _ok(role: str, url: str) -> DocumentCheck:
    return DocumentCheck(role, url, True, 200, 10, "jpeg")


def _kyc(**overrides: object) -> dict[str, object]:
    kyc: dict[str, object] = {
        "dob": "15-08-1990",
        "tax_number": "ABCPE1234F",
        "document_details": {"document_number": "1234"},
        "document_front_image_url": "http://h/f",
        "document_back_image_url": "http://h/b",
        "selfie_url": "http://h/s",
        "selfie_verification_status": True,
        "additional_info": {"profession": "x"},
    }
    kyc.update(overrides)
    return kyc


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, None),
        ({"dob": "01-01-1900", "tax_number": "ABCPE0000F"}, "KYC_FAILED"),
        (
            {"tax_number": "ABCPE0000F", "selfie_verification_status": False},
            "TAX_VERIFICATION_FAILED",
        ),
        ({"document_details": {"document_number": "00001"}}, "DOCUMENT_VERIFICATION_FAILED"),
        ({"selfie_verification_status": False}, "SELFIE_VERIFICATION_FAILED"),
        ({"additional_info": {"profession": "FAIL"}}, "CODE"),
    ],
)
def test_kyc_rules_in_order(overrides: dict[str, object], reason: str | None) -> None:
    outcome = decide_kyc(_kyc(**overrides), _ok, "CODE")
    assert outcome.failure_reason == reason
    assert outcome.status == ("VERIFIED" if reason is None else "FAILED")


def test_tax_failure_fetches_nothing() -> None:
    def fetch(role: str, url: str) -> DocumentCheck:
        raise AssertionError("no download expected")

    assert decide_kyc(_kyc(tax_number="ABCPE0000F"), fetch, "C").documents == ()


def test_failed_selfie_download_is_a_selfie_failure() -> None:
    def fetch(role: str, url: str) -> DocumentCheck:
        return DocumentCheck(role, url, role != "selfie")

    outcome = decide_kyc(_kyc(), fetch, "C")
    assert outcome.failure_reason == "SELFIE_VERIFICATION_FAILED"
    assert [d.role for d in outcome.documents] == ["document_front", "document_back", "selfie"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"account_name": " asha   RAO "}, None),
        ({"account_name": "Someone Else"}, "NAME_MISMATCH"),
        ({"account_number": "0001234"}, "INVALID_ACCOUNT_NUMBER"),
        ({"ifsc": "XXXX0001234"}, "INVALID_IFSC"),
        ({"vpa": "failing@oksbi", "account_number": None, "ifsc": None}, "PENNY_DROP_FAILED"),
        ({"vpa": "asha@failbank", "account_number": None, "ifsc": None}, None),
    ],
)
def test_bank_rules(fields: dict[str, str | None], reason: str | None) -> None:
    values: dict[str, str | None] = {
        "account_name": None,
        "account_number": "1234567890",
        "ifsc": "SBIN0001234",
        "vpa": None,
    }
    values.update(fields)
    assert decide_bank(full_name="Asha Rao", **values).failure_reason == reason


# --- documents, redaction, countries, phones --------------------------------------------------


def test_magic_bytes() -> None:
    assert detect_type(make_jpeg()) == "jpeg"
    assert detect_type(make_png()) == "png"
    assert detect_type(PDF) == "pdf"
    assert detect_type(EXECUTABLE) is None


def test_redact_strips_query_strings_everywhere() -> None:
    value = {"a": ["https://s3/x.jpg?X-Amz-Signature=1#f"], "b": "http://h/p?q", "c": "x?y"}
    assert redact(value) == {"a": ["https://s3/x.jpg"], "b": "http://h/p", "c": "x?y"}


def test_full_iso_country_list() -> None:
    assert len(countries.ALPHA_3_CODES) >= 249
    assert {"IND", "USA", "ALA", "SSD", "BES"} <= countries.ALPHA_3_CODES
    assert not countries.is_alpha_3("XXX")
    assert not countries.is_alpha_3("ind")


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("9911002211", "IND", "+919911002211"),
        ("99110 02211", "IND", "+919911002211"),
        ("09911002211", "IND", "+919911002211"),
        ("919911002211", "IND", "+919911002211"),
        ("+14155550123", "USA", "+14155550123"),
        ("0014155550123", "USA", "+14155550123"),
        ("4155550123", "USA", None),
        ("12ab", "IND", None),
    ],
)
def test_phone_normalisation(raw: str, country: str, expected: str | None) -> None:
    assert normalise_phone(raw, country) == expected


# --- additional info rules --------------------------------------------------------------------


def test_additional_info_rules() -> None:
    assert additional_info_errors(RESIDENT, {"income_range": "a", "profession": "b"}) == []
    assert additional_info_errors(RESIDENT, None) == ["This field is required."]
    assert additional_info_errors(RESIDENT, {"income_range": "a"}) == [
        "profession: This field is required."
    ]
    assert additional_info_errors(NON_RESIDENT, {"visa": "https://x.example/v.pdf"}) == []
    assert additional_info_errors(NON_RESIDENT, {"visa": "not a url"}) == [
        "visa: Enter a valid URL."
    ]
    assert additional_info_errors(NON_RESIDENT, {}) == ["At least 1 of ssn_number, visa required."]
    assert additional_info_errors({"additional_info_required": None}, None) == []


# --- configuration and CLI --------------------------------------------------------------------


def test_config_patch_validates_every_key() -> None:
    config = RuntimeConfig().patched({"decision_delay": 1, "webhook_retry_delays": "0.5,1"})
    assert config.decision_delay == 1.0
    assert config.webhook_retry_delays == (0.5, 1.0)
    with pytest.raises(ConfigError) as caught:
        RuntimeConfig().patched({"nope": 1, "fault_rate": 2, "hold_webhooks": "yes"})
    assert set(caught.value.problems) == {"nope", "fault_rate", "hold_webhooks"}


def test_parse_org() -> None:
    assert parse_org("k:s:with:colons").api_secret == "s:with:colons"
    with pytest.raises(ValueError, match="KEY:SECRET"):
        parse_org("nocolon")


def test_cli_defaults_and_env() -> None:
    args = cli.parse([], env={})
    runtime = args.emulator_config.runtime
    assert (args.host, args.port, args.state) == ("127.0.0.1", 8100, "var/dollarpe-sandbox.sqlite3")
    assert runtime.decision_delay == 5
    assert runtime.bank_decision_delay == 3
    assert runtime.timestamp_window == 300
    assert runtime.webhook_timeout == 5
    assert runtime.webhook_retry_delays == (1, 2, 4, 8, 16)
    assert [o.api_key for o in args.emulator_config.orgs] == ["sandbox-key"]

    env = {
        "DOLLARPE_SANDBOX_PORT": "9000",
        "DOLLARPE_SANDBOX_DECISION_DELAY": "0.5",
        "DOLLARPE_SANDBOX_ORG": "a:b,c:d",
        "DOLLARPE_SANDBOX_CONFIG": '{"instant_bank": true}',
    }
    args = cli.parse(["--decision-delay", "2"], env=env)
    assert args.port == 9000
    assert args.emulator_config.runtime.decision_delay == 2
    assert [o.api_key for o in args.emulator_config.orgs] == ["a", "c"]
    assert args.emulator_config.runtime.instant_bank is True


@pytest.mark.parametrize(
    "argv",
    [
        ["--unknown"],
        ["--port", "x"],
        ["--decision-delay", "-1"],
        ["--org", "bad"],
        ["--config", "[]"],
    ],
)
def test_cli_is_strict(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.parse(argv, env={})
    assert caught.value.code == 2


def test_cli_rejects_bad_env() -> None:
    with pytest.raises(SystemExit):
        cli.parse([], env={"DOLLARPE_SANDBOX_TIMESTAMP_WINDOW": "soon"})
