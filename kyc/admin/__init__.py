"""The compliance back office (Django admin), one module per page family.

- verifications: the list (filters, search, dashboard, CSV export) and the page of one
  verification with its inlines and staff actions (actions.py, one service call each);
- webhooks: deliveries as received, with secrets hidden, and reprocessing;
- logs: provider calls and the audit trail;
- approvals: requests awaiting a second officer (four eyes), with Approve and Reject.
display.py, filters.py and changelist.py hold what the pages share.
"""

from kyc.admin import approvals, logs, verifications, webhooks

__all__ = ["approvals", "logs", "verifications", "webhooks"]
