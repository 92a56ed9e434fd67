"""Uploads nobody checked: deleted from the bucket once DOCUMENT_ORPHAN_AFTER has passed.

An upload under `uploads/` is deleted by its check (kyc.services.documents); one still there
was never checked (the page closed mid-way) or was sent again with a presigned POST after its
check. Neither reaches a provider, and neither is kept.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from kyc.services.documents import UPLOADS, documents_storage

logger = logging.getLogger(__name__)
BATCH = 1000  # the most keys one DeleteObjects request takes


def document_delete_orphans(*, older_than: timedelta | None = None) -> int:
    """Delete the uploads written more than `older_than` ago; the number deleted."""
    age = (
        older_than if older_than is not None else timedelta(seconds=settings.DOCUMENT_ORPHAN_AFTER)
    )
    cutoff = timezone.now() - age
    client = documents_storage().connection.meta.client
    bucket = documents_storage().bucket_name
    deleted = 0
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=UPLOADS, PaginationConfig={"PageSize": BATCH}
    ):
        old = [
            {"Key": item["Key"]}
            for item in page.get("Contents", [])
            if item["LastModified"] <= cutoff
        ]
        if old:
            client.delete_objects(Bucket=bucket, Delete={"Objects": old, "Quiet": True})
            deleted += len(old)
    if deleted:
        logger.info("deleted %d unchecked uploads", deleted)
    return deleted
