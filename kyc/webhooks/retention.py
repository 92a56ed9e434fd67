"""Refused webhook requests are kept for WEBHOOK_INVALID_RETENTION_DAYS, then deleted.

They were never authentic, so nothing refers to them but staff looking into a burst; the
bound on how many are stored (kyc/webhooks/limits.py) keeps each day's share small, and
this keeps the days few. Authentic deliveries stay: they are the record of what happened.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from kyc.models import WebhookEvent

logger = logging.getLogger(__name__)

# Rows deleted per statement: short locks, and a backlog is worked through in steps.
PRUNE_BATCH = 5000


def webhooks_prune(*, now: datetime | None = None) -> int:
    """Delete refused requests older than the retention period; how many went."""
    before = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_INVALID_RETENTION_DAYS)
    old = WebhookEvent.objects.filter(state=WebhookEvent.State.INVALID, received_at__lt=before)
    deleted = 0
    while True:
        # Served by kyc_webhook_state (state, received_at).
        batch = list(old.order_by("received_at").values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            break
        deleted += WebhookEvent.objects.filter(pk__in=batch).delete()[0]
    if deleted:
        logger.info("deleted %d refused webhook requests received before %s", deleted, before)
    return deleted
