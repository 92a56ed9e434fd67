"""The active staff, by name (the list's assignee filter, kyc.services.cases.case_workers):
among a million applicants' accounts they are a few rows, read from a partial index on
Django's user table instead of a scan of it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("kyc", "0020_dashboard_figures"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS kyc_auth_user_staff ON auth_user (username) "
            "WHERE is_staff",
            "DROP INDEX IF EXISTS kyc_auth_user_staff",
        )
    ]
