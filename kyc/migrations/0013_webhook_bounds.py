from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0012_documents_write_once"),
    ]

    operations = [
        migrations.AddField(
            model_name="verification",
            name="provider_downgrade",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="verification",
            name="verified_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="verification",
            index=models.Index(
                condition=models.Q(("provider_downgrade__isnull", False)),
                fields=["-status_changed_at"],
                name="kyc_downgrade_reported",
            ),
        ),
        migrations.AddIndex(
            model_name="verification",
            index=models.Index(
                condition=models.Q(("status", "VERIFIED")),
                fields=["verified_checked_at"],
                name="kyc_verified_checked",
            ),
        ),
    ]
