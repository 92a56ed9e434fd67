"""Documents get a checked copy, written by the server under a prefix no upload policy names.

Rows accepted before this have none (checked_key ""): no data step copies them here (a
migration does not reach the bucket); kyc.services.documents.checked_key checks such a file
again, and gives it its checked copy, the first time a provider or staff needs it.
"""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0011_i18n"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="checked_key",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
    ]
