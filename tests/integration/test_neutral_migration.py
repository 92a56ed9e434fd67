"""Migration 0007: the existing DollarPe rows in the neutral vocabulary, and back again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("kyc", "0006_provider_neutral_core")]
AFTER = [("kyc", "0007_neutral_reasons")]


def _latest():
    """Every app's newest migration: where the rest of the suite expects the schema."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_rows_map_to_neutral_reasons_and_back():
    apps = _migrate(BEFORE)
    User = apps.get_model("auth", "User")
    Verification = apps.get_model("kyc", "Verification")
    rows = {}
    for index, (status, code) in enumerate(
        [
            ("FAILED", "TAX_VERIFICATION_FAILED"),
            ("FAILED", "DOCUMENT_VERIFICATION_FAILED"),
            ("FAILED", "SELFIE_VERIFICATION_FAILED"),
            ("FAILED", "KYC_FAILED"),
            ("FAILED", "ADDITIONAL_INFO_VERIFICATION_FAILED"),
            ("FAILED", "SOMETHING_NEW"),
            ("VERIFIED", ""),
            ("FAILED", ""),
        ]
    ):
        user = User.objects.create(username=f"migrated-{index}")
        rows[code or status] = Verification.objects.create(  # FAILED "" under "FAILED"
            user=user,
            provider="dollarpe",
            full_name="Asha Rao",
            email="a@example.com",
            phone="+919876543210",
            nationality="IND",
            status=status,
            failure_reason=code,
            corrections_used=1,
        ).pk
    try:
        apps = _migrate(AFTER)
        Verification = apps.get_model("kyc", "Verification")
        mapped = {
            key: Verification.objects.values_list(
                "failure_reason", "provider_reason", "provider_status", "corrections_allowed"
            ).get(pk=pk)
            for key, pk in rows.items()
        }
        assert mapped == {
            "TAX_VERIFICATION_FAILED": ("tax_number", "TAX_VERIFICATION_FAILED", "FAILED", 3),
            "DOCUMENT_VERIFICATION_FAILED": (
                "identity_document",
                "DOCUMENT_VERIFICATION_FAILED",
                "FAILED",
                3,
            ),
            "SELFIE_VERIFICATION_FAILED": ("selfie", "SELFIE_VERIFICATION_FAILED", "FAILED", 3),
            "KYC_FAILED": ("other", "KYC_FAILED", "FAILED", 3),
            "ADDITIONAL_INFO_VERIFICATION_FAILED": (
                "additional_info",
                "ADDITIONAL_INFO_VERIFICATION_FAILED",
                "FAILED",
                3,
            ),
            "SOMETHING_NEW": ("other", "SOMETHING_NEW", "FAILED", 3),
            "VERIFIED": ("", "", "VERIFIED", 3),
            "FAILED": ("other", "", "FAILED", 3),  # no code: other, as the core writes it now
        }
        apps = _migrate(BEFORE)
        Verification = apps.get_model("kyc", "Verification")
        back = dict(Verification.objects.values_list("pk", "failure_reason"))
        assert {key: back[pk] for key, pk in rows.items()} == {
            key: ("" if key in ("VERIFIED", "FAILED") else key) for key in rows
        }
        assert set(Verification.objects.values_list("provider_reason", flat=True)) == {""}
    finally:
        _migrate(_latest())  # leave the schema as the rest of the suite expects it


@pytest.mark.django_db(transaction=True)
def test_going_back_fits_what_a_new_provider_wrote_into_the_old_columns():
    apps = _migrate(AFTER)
    User = apps.get_model("auth", "User")
    Verification = apps.get_model("kyc", "Verification")
    AuditEvent = apps.get_model("kyc", "AuditEvent")
    WebhookEvent = apps.get_model("kyc", "WebhookEvent")
    waiting = Verification.objects.create(
        user=User.objects.create(username="waiting"),
        provider="rebilly",
        full_name="Ada Lovelace",
        email="ada@example.com",
        phone="+14155550100",
        nationality="USA",
        status="ACTION_REQUIRED",
        action={"kind": "hosted", "url": "https://gatherer.example/?token=x"},
    )
    AuditEvent.objects.create(
        verification=waiting,
        source="provider",
        action="status_changed",
        to_status="ACTION_REQUIRED",
    )
    WebhookEvent.objects.create(provider="rebilly", event_type="kyc-request-partially-fulfilled")
    try:
        apps = _migrate([("kyc", "0005_bank_account_sending")])
        Verification = apps.get_model("kyc", "Verification")
        assert Verification.objects.get(pk=waiting.pk).status == "PROCESSING"
        assert apps.get_model("kyc", "AuditEvent").objects.get().to_status == "ACTION_REQUIRED"[:12]
        assert (
            apps.get_model("kyc", "WebhookEvent").objects.get().event_type
            == ("kyc-request-partially-fulfilled"[:20])
        )
    finally:
        _migrate(_latest())
