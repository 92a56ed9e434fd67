"""The audit list's filters and search (kyc/admin/logs.py): by staff member and by action
(plain indexes, newest first), and any part of the note (a trigram index, PostgreSQL only,
like migration 0004: without it an icontains search reads every row)."""

from django.conf import settings
from django.db import DatabaseError, migrations, models

NOTE_INDEX = "kyc_audit_note_trgm"


def create_note_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT kyc_audit_trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:  # no privilege: keep the plain (slower) search
            cursor.execute("ROLLBACK TO SAVEPOINT kyc_audit_trgm")
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {NOTE_INDEX} ON kyc_auditevent "
            "USING gin (UPPER(note::text) gin_trgm_ops)"
        )


def drop_note_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {NOTE_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0016_document_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "-created_at"], name="kyc_audit_actor"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "-created_at"], name="kyc_audit_action"),
        ),
        migrations.RunPython(create_note_index, drop_note_index),
    ]
