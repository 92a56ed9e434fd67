"""Re-encrypt identity data with the newest key of FIELD_ENCRYPTION_KEYS (key rotation).

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from kyc.fields import EncryptedJSONField, EncryptedTextField, fernet
from kyc.models import BankAccount, Submission

BATCH = 500


def _encrypted_columns(model: type[models.Model]) -> list[str]:
    kinds = (EncryptedTextField, EncryptedJSONField)
    return [f.column for f in model._meta.concrete_fields if isinstance(f, kinds)]


def _rotate_batch(table: str, columns: list[str], ids: list[int]) -> None:
    """Rotate the stored tokens as text: nothing is decoded into Python values."""
    rotate = fernet().rotate
    quote = connection.ops.quote_name
    selected = ", ".join(quote(c) for c in columns)
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {selected} FROM {quote(table)} WHERE id IN ({marks})", ids)  # noqa: S608
        for pk, *tokens in cursor.fetchall():
            fresh = [rotate(t.encode()).decode() if t else t for t in tokens]
            cursor.execute(f"UPDATE {quote(table)} SET {assignments} WHERE id = %s", [*fresh, pk])  # noqa: S608


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the newest key; prints how many rows changed."

    def handle(self, *args: Any, **options: Any) -> None:
        for model in (Submission, BankAccount):
            ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), BATCH):
                with transaction.atomic():
                    batch = ids[start : start + BATCH]
                    _rotate_batch(model._meta.db_table, _encrypted_columns(model), batch)
            self.stdout.write(f"{model._meta.label}: {len(ids)} rows re-encrypted")
