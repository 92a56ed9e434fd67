"""Trigram indexes for the admin's name and email search (PostgreSQL only).

Django's icontains is UPPER(column) LIKE UPPER('%term%'): without these a search reads
every row (about 1 s at 1,000,000 verifications); with them it is a few index probes.
They are not declared on the model because SQLite has no equivalent; where the
pg_trgm extension cannot be created the search still works, only slower.
"""

from django.db import DatabaseError, migrations

INDEXES = {
    "kyc_name_trgm": "full_name",
    "kyc_email_trgm": "email",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT kyc_trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:  # no privilege: keep the plain (slower) search
            cursor.execute("ROLLBACK TO SAVEPOINT kyc_trgm")
            return
        for name, column in INDEXES.items():
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON kyc_verification "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("kyc", "0003_compliance_groups")]

    operations = [migrations.RunPython(create, drop)]
