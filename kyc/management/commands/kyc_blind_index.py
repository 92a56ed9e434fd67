"""Index every applicant under the newest key of KYC_BLIND_INDEX_KEYS: the backfill of rows
stored before the index existed, and the rotation of its key.

Rotation: put a new key first in KYC_BLIND_INDEX_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys once it reports no entry left under
them. Lookups hash under every configured key, so duplicates are found all along.
The applicants are read in batches of primary keys, each re-indexed in its own short
transaction (the rows of applicants who are submitting meanwhile are never held long);
an interrupted run is resumed by running it again (finished applicants are skipped),
or from where it stopped with --after. It prints counts and ids, never a number.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kyc.blind_index import newest_key_id
from kyc.services.duplicates import duplicates_left, duplicates_reindex_batch

BATCH = 500


class Command(BaseCommand):
    help = "Index (or re-index) every applicant's identity numbers under the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=BATCH, help="applicants per batch")
        parser.add_argument("--after", type=int, default=0, help="start after this id")

    def handle(self, *args: Any, **options: Any) -> None:
        after: int | None = options["after"]
        total = 0
        while after is not None:
            after, done = duplicates_reindex_batch(after=after, size=options["batch"])
            total += done
            if after is not None and options["verbosity"] > 1:
                self.stdout.write(f"up to verification {after}: {done} re-indexed")
        self.stdout.write(
            f"{total} applicants indexed under key {newest_key_id()}; "
            f"{duplicates_left()} entries left under older keys"
        )
