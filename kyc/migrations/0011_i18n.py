from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0010_document_quality_phone_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="verification",
            name="language",
            field=models.CharField(blank=True, db_default="", max_length=10),
        ),
    ]
