import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0013_webhook_bounds"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="verification",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="audit_events",
                to="kyc.verification",
            ),
        ),
        migrations.AlterField(
            model_name="bankaccount",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Waiting to be sent"),
                    ("sending", "Being sent"),
                    ("PROCESSING", "Being checked"),
                    ("VERIFIED", "Verified"),
                    ("FAILED", "Failed"),
                    ("rejected", "Refused by the provider"),
                    ("suspended", "Suspended: KYC was reset"),
                ],
                default="queued",
                max_length=12,
            ),
        ),
        migrations.CreateModel(
            name="ClearedDecision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("UNVERIFIED", "Not submitted"),
                            ("ACTION_REQUIRED", "Waiting for the applicant"),
                            ("PROCESSING", "Being checked"),
                            ("VERIFIED", "Verified"),
                            ("FAILED", "Failed"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "failure_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("identity_document", "Identity document"),
                            ("address_document", "Proof of address"),
                            ("selfie", "Selfie"),
                            ("tax_number", "Tax number"),
                            ("identity_data", "Identity data (name, date of birth, address)"),
                            ("additional_info", "Additional information"),
                            ("challenge_failed", "Challenge questions not passed"),
                            ("request_expired", "Request expired or abandoned"),
                            ("screening", "Screening (sanctions, PEP, watch lists)"),
                            ("underage", "Under age"),
                            ("attempts_exhausted", "No attempt left"),
                            ("other", "Other"),
                        ],
                        max_length=64,
                    ),
                ),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                ("decided_at", models.DateTimeField()),
                ("cleared_at", models.DateTimeField(auto_now_add=True)),
                (
                    "verification",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cleared_decisions",
                        to="kyc.verification",
                    ),
                ),
            ],
            options={
                "ordering": ["-decided_at"],
                "indexes": [models.Index(fields=["decided_at"], name="kyc_cleared_decided_at")],
            },
        ),
    ]
