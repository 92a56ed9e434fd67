"""Migration 0007: the existing DollarPe rows in the neutral vocabulary, and back again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("kyc", "0006_provider_neutral_core")]
AFTER = [("kyc", "0007_neutral_reasons")]


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
        ]
    ):
        user = User.objects.create(username=f"migrated-{index}")
        rows[code or status] = Verification.objects.create(
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
        }
        apps = _migrate(BEFORE)
        Verification = apps.get_model("kyc", "Verification")
        back = dict(Verification.objects.values_list("pk", "failure_reason"))
        assert {key: back[pk] for key, pk in rows.items()} == {
            key: ("" if key == "VERIFIED" else key) for key in rows
        }
        assert set(Verification.objects.values_list("provider_reason", flat=True)) == {""}
    finally:
        _migrate(AFTER)  # leave the schema as the rest of the suite expects it
