"""The life of a webhook delivery, in the order it happens.

1. views.py: `POST /webhooks/<provider>/` reads a bounded body.
2. intake.py: the raw request is authenticated by its provider and stored, deduplicated,
   in one INSERT; the answer tells the provider whether to deliver again.
3. wakeups.py: one drain task per burst of deliveries, woken through a flag in the cache.
4. processing.py: the drain parses each stored delivery and applies its events through
   the core's services (kyc/services/status.py, banks.py); staff reprocess from here too.
"""
